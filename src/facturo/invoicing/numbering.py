"""Series and gapless numbering.

Issuing locks the series row (``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the write unit
already holds the database write lock from ``BEGIN IMMEDIATE``), takes ``next_number`` and the
previous hash, and advances both in the same transaction as the document. A rolled-back issue
therefore rolls back its number too: no gaps, no duplicates.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from facturo.audit import service as audit
from facturo.invoicing.models import Series
from facturo.invoicing.schemas import SeriesIn
from facturo.kit.actor import Actor
from facturo.kit.errors import Conflict, Msg, NotFound, ValidationFailed, not_found


def get_series(session: Session, series_id: int) -> Series:
    series = session.get(Series, series_id)
    if series is None:
        raise not_found("la serie", "Series", series_id)
    return series


def list_series(session: Session, issuer_id: int) -> list[Series]:
    return list(session.scalars(select(Series).where(Series.issuer_id == issuer_id).order_by(Series.code)))


def default_series(session: Session, issuer_id: int, document_type: str) -> Series:
    series = session.scalar(
        select(Series).where(
            Series.issuer_id == issuer_id,
            Series.document_type == document_type,
            Series.is_default.is_(True),
            Series.active.is_(True),
        )
    )
    if series is None:
        kind_es = "facturas" if document_type == "invoice" else "notas de crédito"
        raise NotFound(
            Msg(
                f"No hay una serie predeterminada para {kind_es}; cree una en /api/v1/series.",
                f"There is no default series for {document_type} documents; create one at /api/v1/series.",
            )
        )
    return series


def create_series(session: Session, actor: Actor, issuer_id: int, data: SeriesIn) -> Series:
    code = data.code.upper()
    if session.scalar(select(Series.id).where(Series.issuer_id == issuer_id, Series.code == code)):
        raise Conflict(Msg(f"La serie {code} ya existe.", f"Series {code} already exists."))
    if data.is_default:
        for other in session.scalars(
            select(Series).where(Series.issuer_id == issuer_id, Series.document_type == data.document_type)
        ):
            other.is_default = False
    series = Series(
        issuer_id=issuer_id,
        code=code,
        prefix=data.prefix or f"{code}-",
        document_type=data.document_type,
        is_default=data.is_default,
    )
    session.add(series)
    session.flush()
    audit.record(session, actor, "series", series.id, "created", after=audit.snapshot(series))
    return series


def ensure_default_series(session: Session, actor: Actor, issuer_id: int) -> None:
    """A fresh organisation gets series A (invoices) and NC (credit notes)."""
    existing = {s.document_type for s in list_series(session, issuer_id) if s.is_default}
    if "invoice" not in existing:
        create_series(session, actor, issuer_id, SeriesIn(code="A", prefix="A-", is_default=True))
    if "credit_note" not in existing:
        create_series(
            session,
            actor,
            issuer_id,
            SeriesIn(code="NC", prefix="NC-", document_type="credit_note", is_default=True),
        )


def lock_series(session: Session, series_id: int) -> Series:
    series = session.scalars(
        select(Series).where(Series.id == series_id).with_for_update().execution_options(populate_existing=True)
    ).one_or_none()
    if series is None:
        raise not_found("la serie", "Series", series_id)
    return series


def check_series_kind(series: Series, document_type: str) -> None:
    if series.document_type != document_type or not series.active:
        raise ValidationFailed.on(
            "series_id",
            "series.kind",
            f"La serie {series.code} no sirve para este documento (es de tipo {series.document_type}"
            f"{'' if series.active else ', inactiva'}).",
            f"Series {series.code} cannot number this document (it is for {series.document_type}"
            f"{'' if series.active else ', inactive'}).",
        )
