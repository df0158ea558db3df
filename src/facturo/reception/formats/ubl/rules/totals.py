"""EN 16931 conditions (BR-CO-*) for UBL: the sums of the document totals, the VAT breakdown and
the co-occurrence conditions.

The sums follow the official tests exactly: each side rounded with ``round2`` (half towards
positive infinity) and compared as exact Decimals. An amount that is not an xs:decimal leaves a
sum undecided (the reader reports the amount); the official XSLT stops with an error there.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from lxml import etree

from facturo.reception.formats.ubl.rules.assertions import (
    IS_ALLOWANCE,
    IS_CHARGE,
    LINES,
    ROOT,
    VAT,
    Unreadable,
    amount,
    amounts,
    asserting,
    child,
    contexts,
    holds_by_binding,
    is_vat_scheme,
    round2,
    string_value,
    xround,
    xs_decimal,
)
from facturo.reception.formats.ubl.rules.core import DOC_ALLOWANCE, DOC_CHARGE, LINE_ALLOWANCE, LINE_CHARGE, LINE_PERIOD
from facturo.reception.formats.ubl.rules.registry import UblContext, rule

Failures = Iterator[tuple[str, str | None]]
REASON = "cbc:AllowanceChargeReason or cbc:AllowanceChargeReasonCode"
COUNTRIES = (
    " 1A AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ"
    " CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH EL ER ES ET FI FJ FK FM FO"
    " FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM"
    " JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ"
    " MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE"
    " RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT"
    " TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XI YE YT ZA ZM ZW "
)

_RULES: list[tuple[str, str, str, str, str]] = [
    (
        "BR-CO-03",
        ROOT,
        "not(cbc:TaxPointDate and cac:InvoicePeriod/cbc:DescriptionCode)",
        "La fecha de devengo del IVA (BT-7) y su código (BT-8) se excluyen.",
        "The value added tax point date (BT-7) and its code (BT-8) are mutually exclusive.",
    ),
    (
        "BR-CO-04",
        LINES,
        f"cac:Item/cac:ClassifiedTaxCategory{VAT}/cbc:ID",
        "Falta la categoría de IVA de la línea (BT-151).",
        "The invoiced item VAT category code (BT-151) is missing.",
    ),
    (
        "BR-CO-09",
        f"//cac:PartyTaxScheme{VAT}",
        f"contains('{COUNTRIES}', substring(cbc:CompanyID, 1, 2))",
        "El NIF-IVA ha de empezar por un prefijo de país ISO 3166 (o EL).",
        "A VAT identifier shall start with an ISO 3166 country prefix (or EL).",
    ),
    (
        "BR-CO-18",
        ROOT,
        "cac:TaxTotal/cac:TaxSubtotal",
        "Falta el desglose de IVA (BG-23).",
        "The VAT breakdown (BG-23) is missing.",
    ),
    (
        "BR-CO-19",
        "//cac:InvoicePeriod",
        "cbc:StartDate or cbc:EndDate or cbc:DescriptionCode",
        "El periodo de facturación (BG-14) necesita una fecha o un código.",
        "The invoicing period (BG-14) needs a start date, an end date or a code.",
    ),
    (
        "BR-CO-20",
        LINE_PERIOD,
        "cbc:StartDate or cbc:EndDate",
        "El periodo de línea (BG-26) necesita una fecha inicial o final.",
        "The invoice line period (BG-26) needs a start date or an end date.",
    ),
    (
        "BR-CO-21",
        DOC_ALLOWANCE,
        REASON,
        "El descuento de documento necesita un motivo o su código.",
        "A document level allowance needs a reason or a reason code.",
    ),
    (
        "BR-CO-22",
        DOC_CHARGE,
        REASON,
        "El cargo de documento necesita un motivo o su código.",
        "A document level charge needs a reason or a reason code.",
    ),
    (
        "BR-CO-23",
        LINE_ALLOWANCE,
        REASON,
        "El descuento de línea necesita un motivo o su código.",
        "An invoice line allowance needs a reason or a reason code.",
    ),
    (
        "BR-CO-24",
        LINE_CHARGE,
        REASON,
        "El cargo de línea necesita un motivo o su código.",
        "An invoice line charge needs a reason or a reason code.",
    ),
    (
        "BR-CO-26",
        "//cac:AccountingSupplierParty",
        f"cac:Party/cac:PartyTaxScheme{VAT}/cbc:CompanyID"
        " or cac:Party/cac:PartyIdentification/cbc:ID[not(@schemeID = 'SEPA')]"
        " or cac:Party/cac:PartyLegalEntity/cbc:CompanyID",
        "El vendedor necesita un identificador, un registro legal o un NIF-IVA.",
        "The seller needs an identifier, a legal registration identifier or a VAT identifier.",
    ),
]

for _id, _context, _test, _es, _en in _RULES:
    # BR-CO-19's context ``cac:InvoicePeriod`` does not take a line's period: BR-CO-20 claims it.
    asserting(_id, _es, _en, _context, _test, LINE_PERIOD if _id == "BR-CO-19" else None)

holds_by_binding(
    "BR-CO-05",
    "El código de motivo del descuento y el motivo han de coincidir.",
    "The allowance reason code and reason shall indicate the same reason.",
)
holds_by_binding(
    "BR-CO-06",
    "El código de motivo del cargo y el motivo han de coincidir.",
    "The charge reason code and reason shall indicate the same reason.",
)
holds_by_binding(
    "BR-CO-07",
    "El código de motivo del descuento de línea y el motivo han de coincidir.",
    "The line allowance reason code and reason shall indicate the same reason.",
)
holds_by_binding(
    "BR-CO-08",
    "El código de motivo del cargo de línea y el motivo han de coincidir.",
    "The line charge reason code and reason shall indicate the same reason.",
)


def _money_totals(ctx: UblContext) -> list[etree._Element]:
    return contexts(ctx, "//cac:LegalMonetaryTotal")


_NOT_DECIMAL = object()


def _figures(ctx: UblContext, node: etree._Element) -> dict[str, object]:
    """The first value of each ``cbc`` child of ``node`` (a Decimal, or a marker when it is not an
    xs:decimal), read once per document: the sums of BG-22 read the same few amounts."""
    key = ("figures", node)
    known: dict[str, object] | None = ctx.memo.get(key)
    if known is not None:
        return known
    found: dict[str, object] = {}
    for tag, elements in ctx.kids(node).items():
        if tag.startswith(_CBC_PREFIX):
            value = xs_decimal(elements[0].text or "")
            found[tag[len(_CBC_PREFIX) :]] = _NOT_DECIMAL if value is None else value
    ctx.memo[key] = found
    return found


def _figure(figures: dict[str, object], name: str) -> Decimal | None:
    """Like :func:`amount` over ``cbc:<name>``: None when absent, :class:`Unreadable` when not a decimal."""
    value = figures.get(name)
    if value is _NOT_DECIMAL:
        raise Unreadable(name)
    return value  # type: ignore[return-value]


@rule(
    "BR-CO-10",
    "La suma de importes netos de línea (BT-106) no es la suma de las líneas (BT-131).",
    "The sum of invoice line net amounts (BT-106) is not the sum of the lines (BT-131).",
)
def line_total(ctx: UblContext) -> Failures:
    for total in _money_totals(ctx):
        try:
            stated = _figure(_figures(ctx, total), "LineExtensionAmount")
            # ``//cac:InvoiceLine/cbc:LineExtensionAmount | //cac:CreditNoteLine/...``: the lines'
            # own amounts, the lines as the line rules already selected them.
            lines = [_decimal(node) for line in contexts(ctx, LINES) for node in ctx.children(line, _LINE_AMOUNT)]
        except Unreadable:
            continue
        expected = round2(sum(lines, Decimal(0)))
        if stated != expected:
            yield ctx.location(total), f"{stated} != {expected}"


def _allowance_charge_total(ctx: UblContext, element: str, indicator: str) -> Failures:
    for total in _money_totals(ctx):
        parent = total.getparent()
        if parent is None:
            continue
        try:
            stated = _figure(_figures(ctx, total), element)
            # Most invoices have no document-level allowance or charge: no XPath to ask then.
            some = bool(ctx.children(parent, _ALLOWANCE_CHARGE))
            parts = amounts(ctx, parent, f"cac:AllowanceCharge{indicator}/cbc:Amount") if some else []
        except Unreadable:
            continue
        has_parts = some and child(ctx, parent, f"cac:AllowanceCharge{indicator}") is not None
        expected = round2(sum(parts, Decimal(0)))
        if stated == expected or (element not in _figures(ctx, total) and not has_parts):
            continue
        yield ctx.location(total), f"{stated} != {expected}"


_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
_CBC_PREFIX = f"{{{_CBC}}}"
_CAC_PREFIX = "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}"
_LINE_AMOUNT = f"{_CBC_PREFIX}LineExtensionAmount"
_ALLOWANCE_CHARGE = f"{_CAC_PREFIX}AllowanceCharge"


# BR-CO-11/12 hold on a document with neither the total nor any allowance or charge.
_ALLOWANCE_TOTAL = frozenset({f"{_CAC_PREFIX}AllowanceCharge", f"{_CBC_PREFIX}AllowanceTotalAmount"})
_CHARGE_TOTAL = frozenset({f"{_CAC_PREFIX}AllowanceCharge", f"{_CBC_PREFIX}ChargeTotalAmount"})


@rule(
    "BR-CO-11",
    "La suma de descuentos (BT-107) no es la suma de los descuentos de documento (BT-92).",
    "The sum of allowances (BT-107) is not the sum of the document level allowances (BT-92).",
    needs=_ALLOWANCE_TOTAL,
)
def allowance_total(ctx: UblContext) -> Failures:
    return _allowance_charge_total(ctx, "AllowanceTotalAmount", IS_ALLOWANCE)


@rule(
    "BR-CO-12",
    "La suma de cargos (BT-108) no es la suma de los cargos de documento (BT-99).",
    "The sum of charges (BT-108) is not the sum of the document level charges (BT-99).",
    needs=_CHARGE_TOTAL,
)
def charge_total(ctx: UblContext) -> Failures:
    return _allowance_charge_total(ctx, "ChargeTotalAmount", IS_CHARGE)


@rule(
    "BR-CO-13",
    "El total sin IVA (BT-109) no es líneas (BT-106) − descuentos (BT-107) + cargos (BT-108).",
    "The total without VAT (BT-109) is not lines (BT-106) − allowances (BT-107) + charges (BT-108).",
)
def tax_exclusive_total(ctx: UblContext) -> Failures:
    for total in _money_totals(ctx):
        try:
            figures = _figures(ctx, total)
            exclusive = _figure(figures, "TaxExclusiveAmount")
            lines = _figure(figures, "LineExtensionAmount")
            charges = _figure(figures, "ChargeTotalAmount")
            allowances = _figure(figures, "AllowanceTotalAmount")
        except Unreadable:
            continue
        # An absent total is an empty sequence in the official test: the equation is then false.
        if exclusive is None or lines is None:
            yield ctx.location(total), None
            continue
        expected = lines + (charges or 0) - (allowances or 0)
        if charges is not None or allowances is not None:
            expected = round2(expected)
        if exclusive != expected:
            yield ctx.location(total), f"{exclusive} != {expected}"


@rule(
    "BR-CO-14",
    "El total de IVA (BT-110) no es la suma de las cuotas del desglose (BT-117).",
    "The invoice total VAT amount (BT-110) is not the sum of the VAT category tax amounts (BT-117).",
)
def tax_total(ctx: UblContext) -> Failures:
    for node in contexts(ctx, "/ubl:Invoice/cac:TaxTotal | /cn:CreditNote/cac:TaxTotal"):
        if child(ctx, node, "cac:TaxSubtotal") is None:
            continue
        try:
            stated = amount(ctx, node, "cbc:TaxAmount")
            parts = amounts(ctx, node, "cac:TaxSubtotal/cbc:TaxAmount")
        except Unreadable:
            continue
        expected = round2(sum(parts, Decimal(0)))
        if stated != expected:
            yield ctx.location(node), f"{stated} != {expected}"


@rule(
    "BR-CO-15",
    "El total con IVA (BT-112) no es el total sin IVA (BT-109) + el IVA (BT-110).",
    "The invoice total with VAT (BT-112) is not the total without VAT (BT-109) + the VAT total (BT-110).",
)
def tax_inclusive_total(ctx: UblContext) -> Failures:
    for root in contexts(ctx, ROOT):
        for currency in ctx.children(root, f"{_CBC_PREFIX}DocumentCurrencyCode"):
            code = currency.text or ""
            try:
                taxes = _taxes(ctx, root, code)
                inclusive = amount(ctx, root, "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount")
                exclusive = amount(ctx, root, "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount")
            except Unreadable:
                continue
            if len(taxes) != 1 or inclusive is None or exclusive is None or inclusive != round2(exclusive + taxes[0]):
                yield ctx.location(root), None
                break


def _taxes(ctx: UblContext, root: etree._Element, code: str) -> list[Decimal]:
    """``cac:TaxTotal/cbc:TaxAmount[@currencyID = $code]``, the values."""
    path = (f"{_CAC_PREFIX}TaxTotal", f"{_CBC_PREFIX}TaxAmount")
    return [_decimal(node) for node in ctx.child_path(root, path) if node.get("currencyID") == code]


def _decimal(node: etree._Element) -> Decimal:
    """The node's xs:decimal (of its string value); :class:`Unreadable` when it is not one."""
    value = xs_decimal(string_value(node))
    if value is None:
        raise Unreadable(str(node.tag))
    return value


@rule(
    "BR-CO-16",
    "El importe a pagar (BT-115) no es total con IVA (BT-112) − anticipos (BT-113) + redondeo (BT-114).",
    "The amount due (BT-115) is not total with VAT (BT-112) − paid (BT-113) + rounding (BT-114).",
)
def payable_total(ctx: UblContext) -> Failures:
    for total in _money_totals(ctx):
        try:
            figures = _figures(ctx, total)
            payable = _figure(figures, "PayableAmount")
            inclusive = _figure(figures, "TaxInclusiveAmount")
            prepaid = _figure(figures, "PrepaidAmount")
            rounding = _figure(figures, "PayableRoundingAmount")
        except Unreadable:
            continue
        has_prepaid = "PrepaidAmount" in figures
        has_rounding = "PayableRoundingAmount" in figures
        if payable is None or inclusive is None:
            yield ctx.location(total), None
            continue
        due = round2(inclusive - prepaid) if has_prepaid and prepaid is not None else inclusive
        paid = round2(payable - rounding) if has_rounding and rounding is not None else payable
        if has_prepaid and not has_rounding:
            ok = payable == due
        elif not has_prepaid and not has_rounding:
            ok = payable == inclusive
        else:
            ok = paid == due
        if not ok:
            yield ctx.location(total), f"{payable}"


@rule(
    "BR-CO-17",
    "La cuota del desglose de IVA (BT-117) no es base (BT-116) × tipo (BT-119).",
    "The VAT category tax amount (BT-117) is not taxable amount (BT-116) × rate (BT-119).",
)
def subtotal_tax(ctx: UblContext) -> Failures:
    for subtotal in contexts(ctx, "//cac:TaxTotal/cac:TaxSubtotal"):
        try:
            percent = _vat_percent(ctx, subtotal)
            tax = amount(ctx, subtotal, "cbc:TaxAmount")
            taxable = amount(ctx, subtotal, "cbc:TaxableAmount")
        except Unreadable:
            continue
        if tax is None:
            yield ctx.location(subtotal), None
            continue
        if percent is None or xround(percent) == 0:
            ok = xround(tax) == 0
        elif taxable is None:
            ok = False
        else:
            expected = round2(abs(taxable) * (percent / 100))
            ok = abs(tax) - 1 < expected < abs(tax) + 1
        if not ok:
            yield ctx.location(subtotal), f"{tax}"


def _vat_percent(ctx: UblContext, subtotal: etree._Element) -> Decimal | None:
    """``cac:TaxCategory[cac:TaxScheme[...] = 'VAT']/cbc:Percent`` (see :func:`is_vat_scheme`), the
    first one's value like :func:`amount`."""
    for category in ctx.children(subtotal, f"{_CAC_PREFIX}TaxCategory"):
        if is_vat_scheme(ctx, category):
            for percent in ctx.children(category, f"{_CBC_PREFIX}Percent"):
                value = xs_decimal(string_value(percent))
                if value is None:
                    raise Unreadable("cbc:Percent")
                return value
    return None
