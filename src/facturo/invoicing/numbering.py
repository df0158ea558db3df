"""Series and gapless numbering.

Issuing takes the number with one ``UPDATE … RETURNING`` on the series row, which locks it on
PostgreSQL (on SQLite the write unit already holds the database write lock from ``BEGIN IMMEDIATE``),
and records the new document's hash as the series head in the same transaction as the document. A rolled-back issue
therefore rolls back its number too: no gaps, no duplicates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from facturo.audit import service as audit
from facturo.invoicing.chain import GENESIS
from facturo.invoicing.models import Invoice, Series
from facturo.invoicing.schemas import SeriesIn
from facturo.kit.actor import Actor
from facturo.kit.db import table_of
from facturo.kit.errors import Conflict, Msg, NotFound, ValidationFailed, not_found


def get_series(session: Session, series_id: int) -> Series:
    series = session.get(Series, series_id)
    if series is None:
        raise not_found("la serie", "Series", series_id)
    return series


def list_series(session: Session, issuer_id: int | None) -> list[Series]:
    """The issuer's series; none before the organisation exists (``issuer_id`` None)."""
    if issuer_id is None:
        return []
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


@dataclass(frozen=True, slots=True)
class Ticket:
    """A number taken from a series, and the hash the new document must chain to."""

    series_id: int
    number: int
    previous_hash: str


# One statement both locks the counter row and takes the numbers (built once: it runs on every issue).
_series = table_of(Series)
_TAKE = (
    update(_series)
    .where(
        _series.c.id == bindparam("series_id"),
        _series.c.document_type == bindparam("b_document_type"),
        _series.c.active.is_(True),
    )
    .values(next_number=_series.c.next_number + bindparam("b_count"))
    .returning(_series.c.next_number, _series.c.last_hash)
)
_HEAD = update(_series).where(_series.c.id == bindparam("series_id")).values(last_hash=bindparam("b_last_hash"))


def take_numbers(session: Session, series_id: int, document_type: str, count: int = 1) -> Ticket:
    """Lock the series and take its next ``count`` consecutive numbers with one ``UPDATE … RETURNING``,
    in the caller's transaction: the ticket holds the first of them and the hash the first document
    chains to; the issuer numbers the rest ``ticket.number + 1 …`` and calls ``advance_head`` once
    with the last document's hash.

    Concurrent callers queue on the row lock (the write lock on SQLite) until this transaction ends,
    so a rolled-back issue gives its numbers back: no gaps, no duplicates."""
    if count < 1:
        raise ValueError(f"count must be >= 1, not {count}")
    params = {"series_id": series_id, "b_document_type": document_type, "b_count": count}
    row = session.connection().execute(_TAKE, params).one_or_none()
    if row is None:
        check_series_kind(get_series(session, series_id), document_type)
        raise AssertionError("unreachable: the series exists and fits")  # pragma: no cover
    loaded = session.identity_map.get(identity_key(Series, series_id))
    if loaded is not None:
        session.expire(loaded, ["next_number", "last_hash"])
    return Ticket(series_id, row.next_number - count, row.last_hash or GENESIS)


_invoices = table_of(Invoice)
_PREVIOUS_DATE = select(_invoices.c.issue_date).where(
    _invoices.c.series_id == bindparam("series_id"), _invoices.c.number == bindparam("number")
)


def check_chronology(session: Session, ticket: Ticket, day: date) -> None:
    """A fiscal series runs forward in time: a document may not be dated before the number that
    precedes it in its series (docs/invoices.md, "Issue dates"). Called with the series locked by
    ``ticket``, so no concurrent issue can slip in between the check and the number."""
    if ticket.number <= 1:
        return
    previous = ticket.number - 1
    found = session.connection().execute(_PREVIOUS_DATE, {"series_id": ticket.series_id, "number": previous})
    before: date | None = found.scalar_one_or_none()
    if before is not None and day < before:
        prefix = session.connection().execute(select(_series.c.prefix).where(_series.c.id == ticket.series_id))
        name = f"{prefix.scalar_one()}{previous:08d}"
        raise ValidationFailed.on(
            "issue_date",
            "issue_date.before_series",
            f"La fecha de emisión {day:%d/%m/%Y} es anterior a la de {name} ({before:%d/%m/%Y}): las fechas de "
            f"una serie no retroceden. Use el {before:%d/%m/%Y} o una fecha posterior.",
            f"Issue date {day.isoformat()} is before that of {name} ({before.isoformat()}): dates in a series "
            f"never go backwards. Use {before.isoformat()} or a later date.",
        )


def advance_head(session: Session, ticket: Ticket, content_hash: str) -> None:
    """Record the hash of the document just numbered as the head the next one chains to."""
    session.connection().execute(_HEAD, {"series_id": ticket.series_id, "b_last_hash": content_hash})


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
