"""The organisation profile: our own issuer row."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.numbers import UnknownCurrencyError, get_currency_name
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from facturo.audit import service as audit
from facturo.kit.actor import Actor
from facturo.kit.db import table_of
from facturo.kit.errors import Conflict, Msg, NotFound, ValidationFailed
from facturo.kit.nit import CONSUMIDOR_FINAL, normalize_nit
from facturo.organisation.models import Issuer
from facturo.organisation.schemas import IssuerIn


def own_issuer(session: Session) -> Issuer:
    issuer = session.scalar(select(Issuer).where(Issuer.is_own.is_(True)))
    if issuer is None:
        raise NotFound(
            Msg(
                "La organización aún no está configurada: registre su perfil (PUT /api/v1/organisation).",
                "The organisation is not set up yet: save its profile first (PUT /api/v1/organisation).",
            )
        )
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
        own_issuer(session)  # raises the "set up your organisation first" error
    return str(timezone)


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
        ZoneInfo(data.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed.on(
            "timezone",
            "timezone.unknown",
            f"Zona horaria desconocida: {data.timezone}.",
            f"Unknown time zone: {data.timezone}.",
        ) from None
    try:
        get_currency_name(data.currency.upper(), locale="es")
    except UnknownCurrencyError:
        raise ValidationFailed.on(
            "currency",
            "currency.unknown",
            f"Moneda desconocida: {data.currency}.",
            f"Unknown currency: {data.currency}.",
        ) from None
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
    old, new = audit.changed_only(before, audit.snapshot(issuer))
    if new:
        audit.record(session, actor, "issuer", issuer.id, "updated", before=old, after=new)
    return issuer
