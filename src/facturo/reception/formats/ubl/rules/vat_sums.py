"""What the VAT-category rules sum (rule 08 of each family): the lines and the allowances and
charges of a category, each read once per document as a :class:`Source` (its categories' codes and
single rates, its amount, its indicator)."""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from lxml import etree

from facturo.reception.formats.ubl.rules import vat_support as vs
from facturo.reception.formats.ubl.rules.registry import UblContext
from facturo.reception.formats.ubl.rules.values import xs_decimal


def amount_of(ctx: UblContext, node: etree._Element, name: str) -> Decimal:
    return xs_decimal(vs.child_text(ctx, node, name)) or Decimal(0)


LINE_CATEGORY = (f"{{{vs.CAC}}}Item", f"{{{vs.CAC}}}ClassifiedTaxCategory")
ITEM = f"{{{vs.CAC}}}Item"
LINE_TAGS = (f"{{{vs.CAC}}}InvoiceLine", f"{{{vs.CAC}}}CreditNoteLine")
AC_CATEGORY = (f"{{{vs.CAC}}}TaxCategory",)


class Source(NamedTuple):
    """A line or an allowance/charge as rule 08 sums it: the codes and the single rates of its
    categories (each tested alone, as the official ``cbc:ID = $code and cbc:Percent = $rate`` over
    all of them is), its amount and, for an allowance or charge, its indicator."""

    codes: tuple[str, ...]
    rates: tuple[Decimal | None, ...]
    amount: Decimal
    charge: bool | None = None

    def matches(self, code: str, rate: Decimal | None) -> bool:
        return code in self.codes and (rate is None or rate in self.rates)


_SOURCES = object()


def source(ctx: UblContext, node: etree._Element, path: tuple[str, ...], amount: str) -> Source:
    memo: dict[etree._Element, Source] | None = ctx.memo.get(_SOURCES)
    if memo is None:
        memo = ctx.memo[_SOURCES] = {}
    found = memo.get(node)
    if found is None:
        categories = [vs.facts(ctx, c) for c in ctx.child_path(node, path)]
        found = memo[node] = Source(
            tuple(c.code for c in categories),
            tuple(c.single_percent for c in categories),
            amount_of(ctx, node, amount),
            vs.indicator(ctx, node) if path == AC_CATEGORY else None,
        )
    return found


def line_sources(ctx: UblContext, credit_note: bool, anywhere: bool) -> list[Source]:
    key = ("line sources", credit_note, anywhere)
    sources: list[Source] | None = ctx.memo.get(key)
    if sources is None:
        found = vs.lines_anywhere(ctx, credit_note) if anywhere else vs.lines(ctx, credit_note)
        sources = ctx.memo[key] = [source(ctx, line, LINE_CATEGORY, "LineExtensionAmount") for line in found]
    return sources


def allowance_sources(ctx: UblContext, anywhere: bool) -> list[Source]:
    found = vs.all_allowance_charges(ctx) if anywhere else vs.document_allowance_charges(ctx)
    return [source(ctx, ac, AC_CATEGORY, "Amount") for ac in found]


def category_base(ctx: UblContext, code: str, credit_note: bool, rate: Decimal | None) -> Decimal:
    """Sum of the category's line net amounts plus its charges minus its allowances (at ``rate``)."""
    total = sum((line.amount for line in line_sources(ctx, credit_note, False) if line.matches(code, rate)), Decimal(0))
    for ac in allowance_sources(ctx, False):
        if ac.charge is not None and ac.matches(code, rate):
            total += ac.amount if ac.charge else -ac.amount
    return total
