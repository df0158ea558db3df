"""Customers: NIT-validated, unique except CF, deactivated rather than deleted once invoiced."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import Select, bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from facturo.audit import service as audit
from facturo.customers.models import Customer
from facturo.customers.schemas import CustomerIn, CustomerPatch
from facturo.kit.actor import Actor
from facturo.kit.db import table_of
from facturo.kit.errors import Conflict, Msg, ValidationFailed, not_found
from facturo.kit.nit import CONSUMIDOR_FINAL, normalize_nit
from facturo.kit.pagination import Keyset, KeysetPage, KeysetParams, Page, PageParams, keyset_page, paginate
from facturo.kit.schemas import EMAIL

if TYPE_CHECKING:
    from facturo.audit.models import HistoryRecord

_EMAIL = re.compile(EMAIL)  # the pattern the API documents (kit.schemas)


def is_valid_email(email: str) -> bool:
    return not email or bool(_EMAIL.match(email))


def _check_email(email: str) -> None:
    if not is_valid_email(email):
        raise ValidationFailed.on(
            "email", "email.format", f"El correo «{email}» no es válido.", f"Email “{email}” is not valid."
        )


def _ensure_nit_free(session: Session, nit: str, except_id: int | None = None) -> None:
    if nit == CONSUMIDOR_FINAL:
        return
    stmt = select(Customer.id, Customer.name).where(Customer.nit == nit)
    if except_id is not None:
        stmt = stmt.where(Customer.id != except_id)
    clash = session.execute(stmt).first()
    if clash:
        raise Conflict(
            Msg(
                f"Ya existe un cliente con NIT {nit}: {clash.name} (id {clash.id}).",
                f"A customer with NIT {nit} already exists: {clash.name} (id {clash.id}).",
            )
        )


def get_customer(session: Session, customer_id: int) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise not_found("el cliente", "Customer", customer_id)
    return customer


def customer_history(session: Session, customer_id: int) -> list[HistoryRecord]:
    """Every change to the customer, oldest first (an unknown customer is refused)."""
    get_customer(session, customer_id)
    return audit.history_of(session, "customer", customer_id)


class BillingProfile(NamedTuple):
    """What an invoice copies from its customer when it is issued."""

    nit: str
    name: str
    address: str
    payment_terms_days: int
    active: bool


_customers = table_of(Customer)
_BILLING = select(
    _customers.c.nit,
    _customers.c.name,
    _customers.c.address,
    _customers.c.payment_terms_days,
    _customers.c.active,
).where(_customers.c.id == bindparam("customer_id"))


def billing_profile(session: Session, customer_id: int) -> BillingProfile:
    """A light read for the issuing hot path (no ORM instance)."""
    row = session.connection().execute(_BILLING, {"customer_id": customer_id}).one_or_none()
    if row is None:
        raise not_found("el cliente", "Customer", customer_id)
    return BillingProfile(*row)


_BILLING_MANY = select(
    _customers.c.id,
    _customers.c.nit,
    _customers.c.name,
    _customers.c.address,
    _customers.c.payment_terms_days,
    _customers.c.active,
).where(_customers.c.id.in_(bindparam("ids", expanding=True)))


def billing_profiles(session: Session, customer_ids: Iterable[int]) -> dict[int, BillingProfile]:
    """``billing_profile`` for many customers: one query per thousand instead of one each."""
    ids, profiles = sorted(set(customer_ids)), {}
    for start in range(0, len(ids), 1000):
        for row in session.connection().execute(_BILLING_MANY, {"ids": ids[start : start + 1000]}):
            profiles[row.id] = BillingProfile(row.nit, row.name, row.address, row.payment_terms_days, row.active)
    return profiles


def create_customer(session: Session, actor: Actor, data: CustomerIn) -> Customer:
    nit = normalize_nit(data.nit)
    _check_email(data.email)
    _ensure_nit_free(session, nit)
    customer = Customer(**data.model_dump(exclude={"nit"}), nit=nit)
    session.add(customer)
    session.flush()
    audit.record(session, actor, "customer", customer.id, "created", after=audit.snapshot(customer))
    return customer


def find_by_nits(session: Session, nits: Iterable[str]) -> dict[str, Customer]:
    """Customers keyed by NIT, for importers that resolve many at once."""
    wanted = sorted(set(nits))
    found: dict[str, Customer] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        found.update((c.nit, c) for c in session.scalars(select(Customer).where(Customer.nit.in_(chunk))))
    return found


def by_ids(session: Session, ids: Iterable[int]) -> dict[int, Customer]:
    wanted = sorted(set(ids))
    found: dict[int, Customer] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        found.update((c.id, c) for c in session.scalars(select(Customer).where(Customer.id.in_(chunk))))
    return found


def save_imported(
    session: Session, actor: Actor, nit: str, name: str, address: str, email: str, existing: Customer | None
) -> tuple[Customer, str]:
    """Create or update a customer described by an import message whose NIT the importer already
    validated under its own rules (IPC2 messages accept a wrong check digit with a warning).

    Returns the customer and ``created``, ``updated`` or ``unchanged``.
    """
    fields = {"name": name[:200], "address": (address or "Ciudad")[:300], "email": email[:200]}
    if existing is None:
        customer = Customer(nit=nit, **fields)
        session.add(customer)
        session.flush()
        audit.record(session, actor, "customer", customer.id, "created", after=audit.snapshot(customer))
        return customer, "created"
    before = audit.snapshot(existing)
    for key, value in fields.items():
        setattr(existing, key, value)
    if not audit.record_changes(session, actor, "customer", existing.id, before, audit.snapshot(existing)):
        return existing, "unchanged"
    session.flush()
    return existing, "updated"


def update_customer(session: Session, actor: Actor, customer_id: int, patch: CustomerPatch) -> Customer:
    customer = get_customer(session, customer_id)
    before = audit.snapshot(customer)
    changes = patch.model_dump(exclude_unset=True, exclude_none=True)
    if "nit" in changes:
        changes["nit"] = normalize_nit(changes["nit"])
        _ensure_nit_free(session, changes["nit"], except_id=customer.id)
    if "email" in changes:
        _check_email(changes["email"])
    for key, value in changes.items():
        setattr(customer, key, value)
    session.flush()
    audit.record_changes(session, actor, "customer", customer.id, before, audit.snapshot(customer))
    return customer


def set_active(session: Session, actor: Actor, customer_id: int, active: bool) -> Customer:
    customer = get_customer(session, customer_id)
    if customer.active != active:
        customer.active = active
        session.flush()
        audit.record_active_change(session, actor, "customer", customer.id, active)
    return customer


def delete_customer(session: Session, actor: Actor, customer_id: int) -> None:
    """Only a customer that was never invoiced can be deleted; otherwise deactivate it."""
    customer = get_customer(session, customer_id)
    before = audit.snapshot(customer)
    try:
        # The invoices' foreign key is the authority on "was ever invoiced"; a savepoint keeps
        # the refusal from spoiling the caller's transaction.
        with session.begin_nested():
            session.delete(customer)
            session.flush()
    except IntegrityError:
        raise Conflict(
            Msg(
                f"El cliente {customer.name} tiene facturas y no puede eliminarse; desactívelo.",
                f"Customer {customer.name} has invoices and cannot be deleted; deactivate it instead.",
            )
        ) from None
    audit.record(session, actor, "customer", customer_id, "deleted", before=before)
    session.flush()


# By name then id; ix_customers_name (name, id) and ix_customers_active_name (active, name, id).
CUSTOMER_ORDER = Keyset(name="cus", key=Customer.name, id=Customer.id, key_type=str, attribute="name", ascending=True)


def filtered_customers(query: str | None = None, active: bool | None = None) -> Select[Customer]:
    """The search's statement without order or limit. A search in the middle of names and NITs
    (``LIKE '%…%'``) cannot be an index range: SQLite walks the name order and keeps the matches
    (a page stops after its rows); PostgreSQL may read the matches and sort them (docs/api.md,
    "Pagination": a trigram index would be the next step)."""
    stmt = select(Customer)
    if query:
        like = f"%{query.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(Customer.name).like(like), func.lower(Customer.nit).like(like)))
    if active is not None:
        stmt = stmt.where(Customer.active == active)
    return stmt


def search_customers(
    session: Session, params: PageParams, query: str | None = None, active: bool | None = None
) -> Page[Customer]:
    """An offset page (choice lists, small screens); ``list_customers`` is the keyset one."""
    return paginate(session, filtered_customers(query, active).order_by(*CUSTOMER_ORDER.order()), params)


def list_customers(
    session: Session, params: KeysetParams, query: str | None = None, active: bool | None = None
) -> KeysetPage[Customer]:
    """A keyset page of customers by name (docs/api.md, "Pagination")."""
    return keyset_page(session, filtered_customers(query, active), CUSTOMER_ORDER, params)
