"""Verifying the hash chain of each series: recompute every document's hash from its stored
content and check that it links to the one before."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from facturo.invoicing.chain import GENESIS, document_hash
from facturo.invoicing.models import Invoice, Series


@dataclass(frozen=True)
class ChainReport:
    series_code: str
    documents: int
    ok: bool
    first_broken_number: int | None = None
    problem: str | None = None


def verify_series(session: Session, series: Series, batch: int = 500) -> ChainReport:
    expected_previous = GENESIS
    expected_number = 1
    count = 0
    stmt = (
        select(Invoice)
        .where(Invoice.series_id == series.id, Invoice.number.is_not(None))
        .order_by(Invoice.number)
        .execution_options(yield_per=batch)
    )
    for doc in session.scalars(stmt):
        count += 1
        number = doc.number
        assert number is not None
        if number != expected_number:
            return ChainReport(series.code, count, False, expected_number, f"number {expected_number} is missing")
        if doc.previous_hash != expected_previous:
            return ChainReport(series.code, count, False, number, "link to the previous document is broken")
        if doc.content_hash != document_hash(doc, expected_previous):
            return ChainReport(series.code, count, False, number, "content does not match its hash")
        expected_previous = doc.content_hash
        expected_number += 1
    if count and series.last_hash != expected_previous:
        return ChainReport(series.code, count, False, expected_number - 1, "series head does not match last document")
    return ChainReport(series.code, count, True)


def verify_all(session: Session, issuer_id: int) -> list[ChainReport]:
    series_list = session.scalars(select(Series).where(Series.issuer_id == issuer_id).order_by(Series.code))
    return [verify_series(session, s) for s in series_list]
