"""What the usage pages show, one query (or one action) per page: each gathers the stored data the
page needs with the organisation's currency and time zone, and "today" where a page needs it, so
the pages only parse their input and render (docs/architecture.md, "One call per action")."""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from facturo.kit import clock
from facturo.kit.actor import Actor
from facturo.kit.errors import Conflict, Msg, ValidationFailed
from facturo.organisation import service as organisation
from facturo.usage.batch_import import StoredImport, recent_imports, stored_imports
from facturo.usage.billing import BillingResult, run_billing
from facturo.usage.manual import cancel_instance, get_instance
from facturo.usage.models import BillingRun, Instance
from facturo.usage.queries import list_runs, overview
from facturo.usage.runs import Expected, PreviewOutdated, RunInvoice, confirm_billing, get_run, run_invoices
from facturo.usage.views import InstanceRow, instance_row


@dataclass(frozen=True, slots=True)
class CustomerInstances:
    nit: str
    name: str
    instances: list[InstanceRow]


@dataclass(frozen=True, slots=True)
class UsageOverview:
    """The cloud usage page: everything stored, the unbilled consumption and the latest imports."""

    resources: list[dict[str, Any]]
    categories: list[dict[str, Any]]
    customers: list[CustomerInstances]
    recent: list[StoredImport]
    currency: str
    timezone: str

    @property
    def instances(self) -> list[InstanceRow]:
        return [i for c in self.customers for i in c.instances]

    @property
    def configuration_count(self) -> int:
        return sum(len(c["configurations"]) for c in self.categories)


def _configuration(item: dict[str, Any]) -> dict[str, Any]:
    return item | {
        "hour_rate": Decimal(item["hour_rate"]),
        "resources": {code: Decimal(quantity) for code, quantity in item["resources"].items()},
    }


def usage_overview(session: Session, recent: int) -> UsageOverview:
    """``overview()`` with its figures typed, and the ``recent`` latest imported messages."""
    view = overview(session)
    issuer = organisation.own_issuer(session)
    return UsageOverview(
        resources=[r | {"price_per_hour": Decimal(r["price_per_hour"])} for r in view["resources"]],
        categories=[
            c | {"configurations": [_configuration(conf) for conf in c["configurations"]]} for c in view["categories"]
        ],
        customers=[
            CustomerInstances(c["nit"], c["name"], [instance_row(i) for i in c["instances"]]) for c in view["customers"]
        ],
        recent=recent_imports(session, recent),
        currency=issuer.currency,
        timezone=issuer.timezone,
    )


@dataclass(frozen=True, slots=True)
class ImportResults:
    imports: list[StoredImport]
    currency: str
    timezone: str


def import_results(session: Session, message_ids: list[int]) -> ImportResults | None:
    """What importing these messages did; ``None`` when none of them is stored."""
    imports = stored_imports(session, message_ids)
    if not imports:
        return None
    issuer = organisation.own_issuer(session)
    return ImportResults(imports, issuer.currency, issuer.timezone)


# --- cancelling an instance ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InstanceCancel:
    """The cancel form of an instance, or how cancelling it went."""

    instance: Instance
    today: date
    cancelled: bool = False
    refusal: ValidationFailed | Conflict | None = None


def instance_cancel(
    session: Session, code: str, *, actor: Actor | None = None, end_date: date | None = None
) -> InstanceCancel:
    """The cancel form of instance ``code`` (the end date defaults to today in the organisation's time
    zone). With an ``actor``, after cancelling it from ``end_date`` (today when ``None``): a refusal
    comes back with the instance as it is, since nothing was written before it."""
    today = organisation.business_today(session)
    if actor is None:
        return InstanceCancel(get_instance(session, code), today)
    try:
        return InstanceCancel(cancel_instance(session, actor, code, end_date), today, cancelled=True)
    except (ValidationFailed, Conflict) as exc:
        return InstanceCancel(get_instance(session, code), today, refusal=exc)


# --- billing runs ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BillingPage:
    """The billing form with the past runs; ``refusal`` is why the range given was not billed."""

    runs: list[BillingRun]
    last_month: tuple[date, date]
    currency: str
    timezone: str
    refusal: ValidationFailed | None = None


@dataclass(frozen=True, slots=True)
class BillingPreview:
    """What a run of the range would bill; ``notice`` says why it is shown again instead of a run."""

    result: BillingResult
    currency: str
    timezone: str
    notice: Msg | None = None


def _last_month(today: date) -> tuple[date, date]:
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last.replace(day=monthrange(last.year, last.month)[1])


def billing_page(session: Session, refusal: ValidationFailed | None = None) -> BillingPage:
    issuer = organisation.own_issuer(session)
    today = clock.today(issuer.timezone)
    return BillingPage(list_runs(session), _last_month(today), issuer.currency, issuer.timezone, refusal)


def _preview(session: Session, result: BillingResult, notice: Msg | None = None) -> BillingPreview:
    issuer = organisation.own_issuer(session)
    return BillingPreview(result, issuer.currency, issuer.timezone, notice)


def billing_preview(
    session: Session, actor: Actor, date_from: date | None, date_to: date | None
) -> BillingPage | BillingPreview:
    """The preview of a range; the billing page again when the range is unreadable (``None``) or refused."""
    if date_from is None or date_to is None:
        return billing_page(session)
    try:
        result = run_billing(session, actor, date_from, date_to, dry_run=True)
    except ValidationFailed as exc:
        return billing_page(session, exc)
    return _preview(session, result)


def confirm_run(
    session: Session, actor: Actor, date_from: date | None, date_to: date | None, expected: Expected | None
) -> BillingPage | BillingPreview | BillingResult:
    """The run confirmed from a preview (``confirm_billing``), or what to show instead: the billing
    page when the range is unreadable or refused, a fresh preview when the consumptions changed since
    the one confirmed. A refused run leaves nothing behind (its savepoint is rolled back)."""
    if date_from is None or date_to is None:
        return billing_page(session)
    try:
        with session.begin_nested():
            return confirm_billing(session, actor, date_from, date_to, expected)
    except ValidationFailed as exc:
        return billing_page(session, exc)
    except PreviewOutdated as exc:
        fresh = run_billing(session, actor, date_from, date_to, dry_run=True)
        return _preview(session, fresh, exc.message)


@dataclass(frozen=True, slots=True)
class RunDetail:
    run: BillingRun
    invoices: list[RunInvoice]
    currency: str
    timezone: str


def run_detail(session: Session, run_id: int) -> RunDetail:
    run = get_run(session, run_id)
    issuer = organisation.own_issuer(session)
    return RunDetail(run, run_invoices(session, run_id), issuer.currency, issuer.timezone)
