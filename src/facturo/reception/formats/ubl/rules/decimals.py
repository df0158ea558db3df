"""EN 16931 decimal rules (BR-DEC-*), the fatal ones of rules version 1.3.16: the amounts each rule
names have at most two decimals.

As in the official rules the test is on the text, not on the number:
``string-length(substring-after(cbc:Amount, '.')) <= 2``. So ``10.000`` breaks a rule although it
equals ``10``, and so does ``10.00`` followed by a blank or a line break (a valid xs:decimal lexical
form, whose value has two decimals); an amount without a point has none. The XPath is the same in
1.0 and 2.0, except that where XPath 2.0 would stop on a type error (two ``cbc:Amount`` in one
allowance), XPath 1.0 reads the first one.

BR-DEC-13 and BR-DEC-15 are written as the official rules write them: the predicate
``[@currencyID = cbc:DocumentCurrencyCode]`` looks for a child of the tax amount, which a UBL tax
amount never has, so both rules hold on every schema-valid document (UBL-DT-01 still reports a
third decimal on any amount).
"""

from __future__ import annotations

from collections.abc import Callable

from facturo.reception.formats.ubl.rules.assertions import (
    IS_ALLOWANCE,
    IS_CHARGE,
    LINES,
    ROOT,
    XNS,
    amounts_over_two_decimals,
    asserting,
)
from facturo.reception.formats.ubl.rules.registry import UblContext


def _two_decimals(element: str) -> str:
    return f"string-length(substring-after({element}, '.')) <= 2"


def _tax_total_in(currency: str) -> str:
    amount = f"//cac:TaxTotal/cbc:TaxAmount[@currencyID = {currency}]"
    return f"({amount} and {_two_decimals(amount)}) or not({amount})"


def _either(*paths: str) -> str:
    return " | ".join(paths)


DOC_ALLOWANCE = _either(
    f"/ubl:Invoice/cac:AllowanceCharge{IS_ALLOWANCE}", f"/cn:CreditNote/cac:AllowanceCharge{IS_ALLOWANCE}"
)
DOC_CHARGE = _either(f"/ubl:Invoice/cac:AllowanceCharge{IS_CHARGE}", f"/cn:CreditNote/cac:AllowanceCharge{IS_CHARGE}")
LINE_ALLOWANCE = _either(
    f"//cac:InvoiceLine/cac:AllowanceCharge{IS_ALLOWANCE}", f"//cac:CreditNoteLine/cac:AllowanceCharge{IS_ALLOWANCE}"
)
LINE_CHARGE = _either(
    f"//cac:InvoiceLine/cac:AllowanceCharge{IS_CHARGE}", f"//cac:CreditNoteLine/cac:AllowanceCharge{IS_CHARGE}"
)
TOTALS = "//cac:LegalMonetaryTotal"
SUBTOTAL = "//cac:TaxTotal/cac:TaxSubtotal"

_RULES: list[tuple[str, str, str, str, str]] = [
    # (id, context, the amount with at most two decimals, es, en)
    ("BR-DEC-01", DOC_ALLOWANCE, "cbc:Amount",
     "el descuento de documento (BT-92)",
     "Document level allowance amount (BT-92)"),
    ("BR-DEC-02", DOC_ALLOWANCE, "cbc:BaseAmount", "la base del descuento de documento (BT-93)",
     "Document level allowance base amount (BT-93)"),
    ("BR-DEC-05", DOC_CHARGE, "cbc:Amount", "el cargo de documento (BT-99)", "Document level charge amount (BT-99)"),
    ("BR-DEC-06", DOC_CHARGE, "cbc:BaseAmount", "la base del cargo de documento (BT-100)",
     "Document level charge base amount (BT-100)"),
    ("BR-DEC-09", TOTALS, "cbc:LineExtensionAmount", "la suma de importes netos de línea (BT-106)",
     "Sum of invoice line net amounts (BT-106)"),
    ("BR-DEC-10", TOTALS, "cbc:AllowanceTotalAmount", "la suma de descuentos de documento (BT-107)",
     "Sum of document level allowances (BT-107)"),
    ("BR-DEC-11", TOTALS, "cbc:ChargeTotalAmount", "la suma de cargos de documento (BT-108)",
     "Sum of document level charges (BT-108)"),
    ("BR-DEC-12", TOTALS, "cbc:TaxExclusiveAmount",
     "el total sin IVA (BT-109)",
     "Invoice total amount without VAT (BT-109)"),
    ("BR-DEC-14", TOTALS, "cbc:TaxInclusiveAmount",
     "el total con IVA (BT-112)",
     "Invoice total amount with VAT (BT-112)"),
    ("BR-DEC-16", TOTALS, "cbc:PrepaidAmount", "el importe ya pagado (BT-113)", "Paid amount (BT-113)"),
    ("BR-DEC-17", TOTALS, "cbc:PayableRoundingAmount", "el redondeo (BT-114)", "Rounding amount (BT-114)"),
    ("BR-DEC-18", TOTALS, "cbc:PayableAmount", "el importe a pagar (BT-115)", "Amount due for payment (BT-115)"),
    ("BR-DEC-23", LINES, "cbc:LineExtensionAmount",
     "el importe neto de la línea (BT-131)",
     "Invoice line net amount (BT-131)"),
    ("BR-DEC-24", LINE_ALLOWANCE, "cbc:Amount",
     "el descuento de línea (BT-136)",
     "Invoice line allowance amount (BT-136)"),
    ("BR-DEC-25", LINE_ALLOWANCE, "cbc:BaseAmount", "la base del descuento de línea (BT-137)",
     "Invoice line allowance base amount (BT-137)"),
    ("BR-DEC-27", LINE_CHARGE, "cbc:Amount", "el cargo de línea (BT-141)", "Invoice line charge amount (BT-141)"),
    ("BR-DEC-28", LINE_CHARGE, "cbc:BaseAmount",
     "la base del cargo de línea (BT-142)",
     "Invoice line charge base amount (BT-142)"),
    ("BR-DEC-19", SUBTOTAL, "cbc:TaxableAmount", "la base imponible del desglose de IVA (BT-116)",
     "VAT category taxable amount (BT-116)"),
    ("BR-DEC-20", SUBTOTAL, "cbc:TaxAmount",
     "la cuota del desglose de IVA (BT-117)",
     "VAT category tax amount (BT-117)"),
]  # fmt: skip

# An AllowanceCharge whose indicators say both is claimed by the allowance rule of the pattern.
_CLAIMED_BY = {DOC_CHARGE: DOC_ALLOWANCE, LINE_CHARGE: LINE_ALLOWANCE}


def _some_amount_over_two_decimals(ctx: UblContext) -> bool:
    return bool(amounts_over_two_decimals(ctx))


for _id, _context, _amount, _es, _en in _RULES:
    asserting(
        _id,
        f"Más de dos decimales en {_es}.",
        f"The allowed maximum number of decimals for the {_en} is 2.",
        _context,
        _two_decimals(_amount),
        excluding=_CLAIMED_BY.get(_context),
        # Every amount these rules name ends with "Amount": none can fail without such a value.
        when=_some_amount_over_two_decimals,
    )


def _tax_amount_holding(name: str) -> Callable[[UblContext], bool]:
    """The condition without which ``//cac:TaxTotal/cbc:TaxAmount[@currencyID = cbc:<name>]`` is
    empty (and the rule holds): some tax amount has a ``cbc:<name>`` child."""
    tax_amount, inner = f"{{{XNS['cbc']}}}TaxAmount", f"{{{XNS['cbc']}}}{name}"
    return lambda ctx: any(ctx.children(node, inner) for node in ctx.elements(tax_amount))


asserting(
    "BR-DEC-13",
    "Más de dos decimales en el total de IVA (BT-110).",
    "The allowed maximum number of decimals for the invoice total VAT amount (BT-110) is 2.",
    ROOT,
    _tax_total_in("cbc:DocumentCurrencyCode"),
    when=_tax_amount_holding("DocumentCurrencyCode"),
)
asserting(
    "BR-DEC-15",
    "Más de dos decimales en el total de IVA en la moneda de contabilidad (BT-111).",
    "The allowed maximum number of decimals for the invoice total VAT amount in accounting currency (BT-111) is 2.",
    ROOT,
    _tax_total_in("cbc:TaxCurrencyCode"),
    when=_tax_amount_holding("TaxCurrencyCode"),
)
