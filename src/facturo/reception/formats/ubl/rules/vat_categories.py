"""EN 16931 VAT-category rules (BR-S, BR-Z, BR-E, BR-AE, BR-IC, BR-G, BR-O, BR-AF, BR-AG), table-driven.

Every category family repeats the same ten rules with small variations: which party VAT
identifiers a category needs (rules 02-04), what the rate must be (05-07), how the category's
taxable amount is checked (08) and its tax amount (09), and whether an exemption reason is required
or forbidden (10). :data:`FAMILIES` describes each family once; :func:`_register_family` turns a
description into its registered rules. The variations copy what the official rules 1.3.16 test,
including where they are not uniform (BR-S-02 checks the seller's scheme loosely; BR-G requires
a VAT scheme on the seller's identifier; BR-O-03/04 look only at document-level allowances).

Rules version 1.3.16 has no BR-K, BR-IG or BR-IP families: the intra-community supply uses code K
under BR-IC, IGIC (code L) is BR-AF and IPSI (code M) is BR-AG.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from lxml import etree

from facturo.reception.formats.ubl.rules import vat_support as vs
from facturo.reception.formats.ubl.rules.registry import UblContext, rule
from facturo.reception.formats.ubl.rules.values import xround, xs_decimal
from facturo.reception.formats.ubl.rules.vat_sums import (
    ITEM,
    LINE_TAGS,
    allowance_sources,
    category_base,
    line_sources,
)

Hits = Iterator[tuple[str, str | None]]


class Parties(Enum):
    """What rules 02-04 require of the parties when the category is used."""

    SELLER = "seller"  # seller VAT id (any scheme) or tax representative VAT id
    SELLER_VAT = "seller_vat"  # the same, the seller's id with a VAT scheme (BR-G)
    SELLER_AND_BUYER_OR_LEGAL = "reverse_charge"  # seller id and buyer VAT id or legal id (BR-AE)
    SELLER_VAT_AND_BUYER = "intra_community"  # seller VAT id and buyer VAT id (BR-IC)
    NO_VAT_IDS = "not_subject"  # no VAT id for seller, representative or buyer (BR-O)


class Rate(Enum):
    """What rules 05-07 require of the category rate (BT-152, BT-96, BT-103)."""

    POSITIVE = "positive"
    ZERO = "zero"
    NON_NEGATIVE = "non_negative"
    ABSENT = "absent"


@dataclass(frozen=True)
class Family:
    prefix: str
    code: str
    es: str
    en: str
    parties: Parties
    rate: Rate
    single_breakdown: bool  # rule 01: exactly one breakdown (True) or at least one (False)
    per_rate_taxable: bool  # rule 08 per rate within 1.00 (True) or exact for the whole category
    taxable_needs_source: bool = False  # rule 08 per rate: a line or allowance at that rate must exist
    computed_tax: bool = False  # rule 09: tax = taxable x rate (True) or zero
    reason_required: bool = True  # rule 10
    vat_filtered_sources: bool = True  # rule 01/02: sources counted only with a VAT tax scheme
    document_level_allowances: bool = False  # rules 03/04 on the root's AllowanceCharge only


FAMILIES: tuple[Family, ...] = (
    Family(
        "S", "S", "Tasa estándar", "Standard rated", Parties.SELLER, Rate.POSITIVE,
        single_breakdown=False, per_rate_taxable=True, taxable_needs_source=True,
        computed_tax=True, reason_required=False, vat_filtered_sources=False,
    ),
    Family(
        "Z", "Z", "Tasa cero", "Zero rated", Parties.SELLER, Rate.ZERO,
        single_breakdown=True, per_rate_taxable=False, reason_required=False,
    ),
    Family(
        "E", "E", "Exento de IVA", "Exempt from VAT", Parties.SELLER, Rate.ZERO,
        single_breakdown=True, per_rate_taxable=False,
    ),
    Family(
        "AE", "AE", "Inversión del sujeto pasivo", "Reverse charge", Parties.SELLER_AND_BUYER_OR_LEGAL,
        Rate.ZERO, single_breakdown=True, per_rate_taxable=False,
    ),
    Family(
        "IC", "K", "Entrega intracomunitaria", "Intra-community supply", Parties.SELLER_VAT_AND_BUYER,
        Rate.ZERO, single_breakdown=True, per_rate_taxable=False,
    ),
    Family(
        "G", "G", "Exportación fuera de la UE", "Export outside the EU", Parties.SELLER_VAT, Rate.ZERO,
        single_breakdown=True, per_rate_taxable=False,
    ),
    Family(
        "O", "O", "No sujeto a IVA", "Not subject to VAT", Parties.NO_VAT_IDS, Rate.ABSENT,
        single_breakdown=True, per_rate_taxable=False, document_level_allowances=True,
    ),
    Family(
        "AF", "L", "IGIC (Canarias)", "IGIC (Canary Islands)", Parties.SELLER, Rate.NON_NEGATIVE,
        single_breakdown=False, per_rate_taxable=True, computed_tax=True, reason_required=False,
    ),
    Family(
        "AG", "M", "IPSI (Ceuta y Melilla)", "IPSI (Ceuta and Melilla)", Parties.SELLER, Rate.NON_NEGATIVE,
        single_breakdown=False, per_rate_taxable=True, computed_tax=True, reason_required=False,
    ),
)  # fmt: skip


_LISTS: dict[str, Callable[[UblContext], list[etree._Element]]] = {
    "breakdown": vs.breakdown_categories,
    "classified": vs.classified_categories,
    "tax": vs.all_tax_categories,
}


def _coded_list(ctx: UblContext, name: str, code: str, vat_only: bool = True) -> list[etree._Element]:
    """:func:`_coded` over one of the document's category lists, decided once per document (the
    ten rules of a family, and the rules of rate after rate, ask the same)."""
    key = ("coded", name, code, vat_only)
    found: list[etree._Element] | None = ctx.memo.get(key)
    if found is None:
        found = ctx.memo[key] = _coded(ctx, _LISTS[name](ctx), code, vat_only)
    return found


def _coded(
    ctx: UblContext, categories: Iterable[etree._Element], code: str, vat_only: bool = True
) -> list[etree._Element]:
    found = []
    for category in categories:
        facts = vs.facts(ctx, category)
        if facts.code == code and (facts.vat or not vat_only):
            found.append(category)
    return found


# --- rule 01: the breakdown exists when the category is used ---------------------------------


def _breakdown_present(f: Family) -> Callable[[UblContext], Hits]:
    def check(ctx: UblContext) -> Hits:
        breakdown = _coded_list(ctx, "breakdown", f.code, f.vat_filtered_sources)
        if f.single_breakdown:
            used = _coded_list(ctx, "tax", f.code) or _coded_list(ctx, "classified", f.code)
            if used and len(breakdown) != 1:
                yield ctx.location(ctx.root), f"{len(breakdown)}"
            return
        acs = vs.allowance_charge_categories(ctx, vs.all_allowance_charges(ctx), None)
        sources = bool(_coded(ctx, acs, f.code, f.vat_filtered_sources)) or bool(
            _coded_list(ctx, "classified", f.code, f.vat_filtered_sources)
        )
        if sources != bool(breakdown):
            yield ctx.location(ctx.root), None

    return check


# --- rules 02-04: party identifiers -----------------------------------------------------------


def _parties_ok(ctx: UblContext, parties: Parties) -> bool:
    if parties is Parties.NO_VAT_IDS:
        return not (vs.seller_vat_id(ctx, True) or vs.tax_representative_vat_id(ctx) or vs.buyer_vat_id(ctx))
    seller_vat_only = parties in (Parties.SELLER_VAT, Parties.SELLER_VAT_AND_BUYER)
    seller = vs.seller_vat_id(ctx, seller_vat_only) or vs.tax_representative_vat_id(ctx)
    if parties is Parties.SELLER_AND_BUYER_OR_LEGAL:
        return seller and (vs.buyer_vat_id(ctx) or vs.buyer_legal_id(ctx))
    if parties is Parties.SELLER_VAT_AND_BUYER:
        return seller and vs.buyer_vat_id(ctx)
    return seller


def _parties_for_lines(f: Family) -> Callable[[UblContext], Hits]:
    def check(ctx: UblContext) -> Hits:
        # BR-S-02 fires on any S line category but is satisfied only by a VAT-scheme one.
        trigger = _coded_list(ctx, "classified", f.code, f.prefix != "S")
        if trigger and not (_coded_list(ctx, "classified", f.code) and _parties_ok(ctx, f.parties)):
            yield ctx.location(ctx.root), None

    return check


def _parties_for_allowances(f: Family, charge: bool) -> Callable[[UblContext], Hits]:
    def check(ctx: UblContext) -> Hits:
        acs = vs.document_allowance_charges(ctx) if f.document_level_allowances else vs.all_allowance_charges(ctx)
        if not acs:
            return
        categories = vs.allowance_charge_categories(ctx, acs, charge)
        # BR-G-03/04 are satisfied by a G allowance category of any scheme.
        satisfied_by = _coded(ctx, categories, f.code, f.prefix != "G")
        if _coded(ctx, categories, f.code) and not (satisfied_by and _parties_ok(ctx, f.parties)):
            yield ctx.location(ctx.root), None

    return check


# --- rules 05-07: the rate --------------------------------------------------------------------


def _rate_ok(facts: vs.CategoryFacts, rate: Rate) -> bool:
    if rate is Rate.ABSENT:
        return not facts.percents
    if rate is Rate.ZERO:
        return facts.single_percent == 0
    values = [v for v in facts.percents if v is not None]
    return any(v > 0 if rate is Rate.POSITIVE else v >= 0 for v in values)


def _line_rates(f: Family) -> Callable[[UblContext], Hits]:
    def check(ctx: UblContext) -> Hits:
        # ``//cac:InvoiceLine/cac:Item/cac:ClassifiedTaxCategory``, then the credit note lines':
        # the line categories of the code, read from the document's list of them.
        coded = _coded_list(ctx, "classified", f.code)
        for line_tag in LINE_TAGS:
            for category in coded:
                item = category.getparent()
                line = item.getparent() if item is not None and item.tag == ITEM else None
                if line is not None and line.tag == line_tag and not _rate_ok(vs.facts(ctx, category), f.rate):
                    yield ctx.location(category), None

    return check


def _allowance_rates(f: Family, charge: bool) -> Callable[[UblContext], Hits]:
    def check(ctx: UblContext) -> Hits:
        acs = vs.all_allowance_charges(ctx)
        for category in _coded(ctx, vs.allowance_charge_categories(ctx, acs, charge), f.code) if acs else ():
            if not _rate_ok(vs.facts(ctx, category), f.rate):
                yield ctx.location(category), None

    return check


# --- rule 08: the taxable amount of the category ----------------------------------------------


def _taxableamount_of(f: Family) -> Callable[[UblContext], Hits]:
    def check(ctx: UblContext) -> Hits:
        for category in _coded_list(ctx, "breakdown", f.code):
            subtotal = category.getparent()
            assert subtotal is not None
            taxable = xs_decimal(vs.child_text(ctx, subtotal, "TaxableAmount"))
            if f.per_rate_taxable:
                facts = vs.facts(ctx, category)
                if not facts.percents:
                    continue  # "every $rate in ()" holds
                ok = any(_rate_branch(ctx, f, cn, taxable, facts.single_percent) for cn in (False, True))
            else:
                ok = any(
                    vs.any_line_anywhere(ctx, cn)
                    and taxable is not None
                    and taxable == category_base(ctx, f.code, cn, None)
                    for cn in (False, True)
                )
            if not ok:
                yield ctx.location(category), None

    return check


def _rate_branch(ctx: UblContext, f: Family, credit_note: bool, taxable: Decimal | None, rate: Decimal | None) -> bool:
    if taxable is None or rate is None:
        return False
    if f.taxable_needs_source:
        source = any(line.matches(f.code, rate) for line in line_sources(ctx, credit_note, True)) or any(
            ac.matches(f.code, rate) for ac in allowance_sources(ctx, True)
        )
    else:
        source = vs.any_line_anywhere(ctx, credit_note)
    if not source:
        return False
    base = category_base(ctx, f.code, credit_note, rate)
    return taxable - 1 < base < taxable + 1


# --- rule 09: the tax amount of the category ----------------------------------------------------


def _taxamount_of(f: Family) -> Callable[[UblContext], Hits]:
    def check(ctx: UblContext) -> Hits:
        for category in _coded_list(ctx, "breakdown", f.code):
            subtotal = category.getparent()
            assert subtotal is not None
            tax = xs_decimal(vs.child_text(ctx, subtotal, "TaxAmount"))
            if not f.computed_tax:
                if tax != 0:
                    yield ctx.location(category), None
                continue
            taxable = xs_decimal(vs.child_text(ctx, subtotal, "TaxableAmount"))
            rate = vs.facts(ctx, category).single_percent
            if tax is None or taxable is None or rate is None:
                yield ctx.location(category), None
                continue
            expected = xround(abs(taxable) * (rate / 100) * 100) / 100
            if not (abs(tax) - 1 < expected < abs(tax) + 1):
                yield ctx.location(category), f"{expected}"

    return check


# --- rule 10: the exemption reason ----------------------------------------------------------------


def _exemption_reason(f: Family) -> Callable[[UblContext], Hits]:
    def check(ctx: UblContext) -> Hits:
        for category in _coded_list(ctx, "breakdown", f.code):
            has_reason = vs.has_child(ctx, category, "TaxExemptionReason") or vs.has_child(
                ctx, category, "TaxExemptionReasonCode"
            )
            if has_reason != f.reason_required:
                yield ctx.location(category), None

    return check


# Rules 03, 04, 06 and 07 look at allowances and charges only: without one they hold.
_ALLOWANCES = frozenset({f"{{{vs.CAC}}}AllowanceCharge"})


def _register_family(f: Family) -> None:
    p, es, en = f.prefix, f.es, f.en
    rule(
        f"BR-{p}-01",
        f"Con líneas, descuentos o cargos de categoría «{es}» el desglose de IVA debe tener "
        + ("exactamente un grupo" if f.single_breakdown else "al menos un grupo")
        + " de esa categoría (y ninguno si no se usa)",
        f"With lines, allowances or charges of category '{en}' the VAT breakdown must hold "
        + ("exactly one group" if f.single_breakdown else "at least one group")
        + " of that category (and none when it is unused)",
    )(_breakdown_present(f))
    who_es, who_en = _PARTIES_TEXT[f.parties]
    for number, subject_es, subject_en, check in (
        ("02", "una línea", "an invoice line", _parties_for_lines(f)),
        ("03", "un descuento del documento", "a document level allowance", _parties_for_allowances(f, False)),
        ("04", "un cargo del documento", "a document level charge", _parties_for_allowances(f, True)),
    ):
        rule(
            f"BR-{p}-{number}",
            f"Una factura con {subject_es} de categoría «{es}» {who_es}",
            f"An invoice with {subject_en} of category '{en}' {who_en}",
            needs=None if number == "02" else _ALLOWANCES,
        )(check)
    rate_es, rate_en = _RATE_TEXT[f.rate]
    for number, subject_es, subject_en, check in (
        ("05", "la línea", "the invoice line", _line_rates(f)),
        ("06", "el descuento del documento", "the document level allowance", _allowance_rates(f, False)),
        ("07", "el cargo del documento", "the document level charge", _allowance_rates(f, True)),
    ):
        rule(
            f"BR-{p}-{number}",
            f"En {subject_es} de categoría «{es}» la tasa de IVA {rate_es}",
            f"In {subject_en} of category '{en}' the VAT rate {rate_en}",
            needs=None if number == "05" else _ALLOWANCES,
        )(check)
    rule(
        f"BR-{p}-08",
        f"La base imponible de la categoría «{es}» debe ser la suma de sus líneas más cargos menos descuentos"
        + (" (por tasa, con tolerancia de 1)" if f.per_rate_taxable else ""),
        f"The taxable amount of category '{en}' must equal its line net amounts plus charges minus allowances"
        + (" (per rate, within 1)" if f.per_rate_taxable else ""),
    )(_taxableamount_of(f))
    rule(
        f"BR-{p}-09",
        f"El impuesto de la categoría «{es}» "
        + ("debe ser la base por la tasa (tolerancia de 1)" if f.computed_tax else "debe ser 0"),
        f"The VAT amount of category '{en}' "
        + ("must be the taxable amount times the rate (within 1)" if f.computed_tax else "must be 0"),
    )(_taxamount_of(f))
    rule(
        f"BR-{p}-10",
        f"El desglose de categoría «{es}» "
        + (
            "debe tener motivo o código de exención"
            if f.reason_required
            else "no debe tener motivo ni código de exención"
        ),
        f"The VAT breakdown of category '{en}' "
        + ("must have an exemption reason or reason code" if f.reason_required else "must have no exemption reason"),
    )(_exemption_reason(f))


_PARTIES_TEXT: dict[Parties, tuple[str, str]] = {
    Parties.SELLER: (
        "debe tener el NIF-IVA del vendedor o de su representante fiscal",
        "must have the seller's or the tax representative's VAT identifier",
    ),
    Parties.SELLER_VAT: (
        "debe tener el NIF-IVA (esquema VAT) del vendedor o de su representante fiscal",
        "must have the seller's (VAT scheme) or the tax representative's VAT identifier",
    ),
    Parties.SELLER_AND_BUYER_OR_LEGAL: (
        "debe tener el NIF-IVA del vendedor (o representante) y el NIF-IVA o registro legal del comprador",
        "must have the seller's (or representative's) VAT identifier and the buyer's VAT or legal identifier",
    ),
    Parties.SELLER_VAT_AND_BUYER: (
        "debe tener el NIF-IVA del vendedor (o representante) y el del comprador",
        "must have the seller's (or representative's) and the buyer's VAT identifiers",
    ),
    Parties.NO_VAT_IDS: (
        "no debe tener NIF-IVA del vendedor, de su representante ni del comprador",
        "must not have a seller, tax representative or buyer VAT identifier",
    ),
}

_RATE_TEXT: dict[Rate, tuple[str, str]] = {
    Rate.POSITIVE: ("debe ser mayor que cero", "must be greater than zero"),
    Rate.ZERO: ("debe ser 0", "must be 0"),
    Rate.NON_NEGATIVE: ("debe ser 0 o mayor", "must be 0 or greater"),
    Rate.ABSENT: ("no debe indicarse", "must not be given"),
}

for _family in FAMILIES:
    _register_family(_family)


# --- the rules only one family has ------------------------------------------------------------------


def _breakdown_has(ctx: UblContext, code: str) -> bool:
    return bool(_coded_list(ctx, "breakdown", code))


@rule(
    "BR-IC-11",
    "Con entrega intracomunitaria debe indicarse la fecha de entrega o el período de facturación",
    "An intra-community supply must give the actual delivery date or the invoicing period",
)
def _intra_community_delivery_date(ctx: UblContext) -> Hits:
    if not _breakdown_has(ctx, "K"):
        return
    date = "".join(t or "" for t in ctx.root.xpath("cac:Delivery/cbc:ActualDeliveryDate/text()", namespaces=_NS))
    period = ctx.root.xpath("cac:InvoicePeriod/*", namespaces=_NS)
    if not (len(date) > 1 or period):
        yield ctx.location(ctx.root), None


@rule(
    "BR-IC-12",
    "Con entrega intracomunitaria debe indicarse el país de entrega",
    "An intra-community supply must give the deliver to country code",
)
def _intra_community_delivery_country(ctx: UblContext) -> Hits:
    if not _breakdown_has(ctx, "K"):
        return
    path = "cac:Delivery/cac:DeliveryLocation/cac:Address/cac:Country/cbc:IdentificationCode/text()"
    if len("".join(ctx.root.xpath(path, namespaces=_NS))) <= 1:
        yield ctx.location(ctx.root), None


_NS = {"cac": vs.CAC, "cbc": vs.CBC}


def _not_subject_excludes(
    number: str, subject_es: str, subject_en: str, categories: Callable[[UblContext], list[etree._Element]]
) -> None:
    def check(ctx: UblContext) -> Hits:
        if _breakdown_has(ctx, "O") and any(
            (facts := vs.facts(ctx, c)).code != "O" and facts.vat for c in categories(ctx)
        ):
            yield ctx.location(ctx.root), None

    rule(
        f"BR-O-{number}",
        f"Con desglose «No sujeto a IVA» no puede haber {subject_es} de otra categoría",
        f"With a 'Not subject to VAT' breakdown there can be no {subject_en} of another category",
    )(check)


_not_subject_excludes("11", "otros grupos de desglose", "other VAT breakdown groups", vs.breakdown_categories)
_not_subject_excludes("12", "líneas", "invoice lines", vs.classified_categories)
_not_subject_excludes(
    "13",
    "descuentos",
    "allowances",
    lambda ctx: vs.allowance_charge_categories(ctx, vs.all_allowance_charges(ctx), False),
)
_not_subject_excludes(
    "14",
    "cargos",
    "charges",
    lambda ctx: vs.allowance_charge_categories(ctx, vs.all_allowance_charges(ctx), True),
)
