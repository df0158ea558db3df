"""The organisation profile: our own issuer row."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.numbers import is_currency
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from facturo.audit import service as audit
from facturo.kit import clock
from facturo.kit.actor import Actor
from facturo.kit.config import get_settings
from facturo.kit.db import insert_new, table_of
from facturo.kit.errors import Conflict, Msg, NotConfigured, NotFound, ValidationFailed
from facturo.kit.nit import CONSUMIDOR_FINAL, normalize_nit
from facturo.organisation.models import Issuer
from facturo.organisation.schemas import CURRENCIES, TIMEZONES, IssuerIn

NOT_CONFIGURED = Msg(
    "La organización aún no está configurada: registre su perfil en Administración → Organización "
    "(/admin/organisation) o con «facturo organisation set --name NOMBRE --nit NIT».",
    "The organisation is not set up yet: save its profile under Administration → Organisation "
    "(/admin/organisation) or with `facturo organisation set --name NAME --nit NIT`.",
)


def find_own_issuer(session: Session) -> Issuer | None:
    """Our issuer, or None before the organisation profile exists."""
    return session.scalar(select(Issuer).where(Issuer.is_own.is_(True)))


def own_issuer(session: Session) -> Issuer:
    issuer = find_own_issuer(session)
    if issuer is None:
        raise NotConfigured(NOT_CONFIGURED)
    return issuer


_issuers = table_of(Issuer)
_TIMEZONE = select(_issuers.c.timezone).where(_issuers.c.id == bindparam("issuer_id"))


def timezone_of(session: Session, issuer_id: int) -> str:
    """The issuer's business time zone (a light read: it is needed on every issue)."""
    timezone = session.connection().execute(_TIMEZONE, {"issuer_id": issuer_id}).scalar_one_or_none()
    if timezone is None:
        raise NotFound(Msg(f"No existe el emisor {issuer_id}.", f"Issuer {issuer_id} does not exist."))
    return str(timezone)


_OWN_TIMEZONE = select(_issuers.c.timezone).where(_issuers.c.is_own.is_(True))


def own_timezone(session: Session) -> str:
    """Our organisation's business time zone (a light read: every invoice view needs "today")."""
    timezone = session.connection().execute(_OWN_TIMEZONE).scalar_one_or_none()
    if timezone is None:
        raise NotConfigured(NOT_CONFIGURED)
    return str(timezone)


def business_timezone(session: Session) -> str:
    """The time zone "today" is read in: the organisation's, or the installation default before the
    profile exists (so lists on a fresh installation answer empty instead of refusing)."""
    timezone = session.connection().execute(_OWN_TIMEZONE).scalar_one_or_none()
    return str(timezone) if timezone is not None else get_settings().timezone


def business_today(session: Session) -> date:
    """Today in the organisation's time zone: the date ``overdue``, default dates and "this year"
    are read against, in one place for every domain."""
    return clock.today(business_timezone(session))


def own_issuer_id(session: Session) -> int | None:
    """Our issuer's id, or None before the organisation profile exists."""
    return session.scalar(select(Issuer.id).where(Issuer.is_own.is_(True)))


def _validate(data: IssuerIn) -> str:
    nit = normalize_nit(data.nit)
    if nit == CONSUMIDOR_FINAL:
        raise ValidationFailed.on(
            "nit",
            "nit.issuer_cf",
            "El emisor necesita un NIT propio, no CF.",
            "An issuer needs its own NIT, not CF.",
        )
    try:
        if data.timezone not in TIMEZONES:  # the names the document lists (IssuerIn.timezone)
            raise ZoneInfoNotFoundError(data.timezone)
        ZoneInfo(data.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed.on(
            "timezone",
            "timezone.unknown",
            f"Zona horaria desconocida: {data.timezone}.",
            f"Unknown time zone: {data.timezone}.",
        ) from None
    # Babel names any three letters ("QQQ" gives "QQQ"); only its list of ISO 4217 codes tells.
    if data.currency not in CURRENCIES or not is_currency(data.currency):
        raise ValidationFailed.on(
            "currency",
            "currency.unknown",
            f"Moneda desconocida: {data.currency}.",
            f"Unknown currency: {data.currency}.",
        )
    return nit


def save_profile(session: Session, actor: Actor, data: IssuerIn) -> Issuer:
    """Create the organisation profile, or update it."""
    nit = _validate(data)
    values = data.model_dump(exclude={"nit"}) | {"nit": nit, "currency": data.currency.upper()}
    issuer = session.scalar(select(Issuer).where(Issuer.is_own.is_(True)))
    # Other issuers (whose invoices we receive) hold NITs too, and a NIT names one issuer only.
    clash = session.scalar(select(Issuer.name).where(Issuer.nit == nit, Issuer.is_own.is_(False)))
    if clash is not None:
        raise Conflict(
            Msg(
                f"El NIT {nit} ya pertenece al emisor {clash}.",
                f"NIT {nit} already belongs to the issuer {clash}.",
            )
        )
    if issuer is None:
        issuer = Issuer(is_own=True, **values)
        session.add(issuer)
        session.flush()
        audit.record(session, actor, "issuer", issuer.id, "created", after=audit.snapshot(issuer))
        return issuer
    before = audit.snapshot(issuer)
    for key, value in values.items():
        setattr(issuer, key, value)
    session.flush()
    audit.record_changes(session, actor, "issuer", issuer.id, before, audit.snapshot(issuer))
    return issuer


def ensure_issuers(session: Session, names_by_nit: dict[str, str]) -> dict[str, int]:
    """The issuer row id of each NIT (as written in ``issuers.nit``), creating the other issuers
    that received documents name: reception indexes them in the same table as our own issuer."""
    if not names_by_nit:
        return {}
    nits = list(names_by_nit)
    found = _issuer_ids(session, nits)
    missing = [nit for nit in nits if nit not in found]
    if missing:
        # Two workers may meet the same new issuer at once: the first row stands, both use it.
        rows = [{"is_own": False, "nit": nit, "name": (names_by_nit[nit] or nit)[:200]} for nit in missing]
        insert_new(session, table_of(Issuer), rows, unique=["nit"])
        found.update(_issuer_ids(session, missing))
    return found


def _issuer_ids(session: Session, nits: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(nits), 500):
        chunk = nits[start : start + 500]
        rows = session.execute(select(_issuers.c.nit, _issuers.c.id).where(_issuers.c.nit.in_(chunk)))
        found.update({str(nit): int(issuer_id) for nit, issuer_id in rows})
    return found
