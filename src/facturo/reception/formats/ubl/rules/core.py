"""EN 16931 core rules for UBL: BR-01..BR-65 (required business terms) and BR-B (split payment).

Each rule is the official context and test, written in XPath 1.0 (see ``assertions``); the two
period rules compare xs:dates in Python.
"""

from __future__ import annotations

from collections.abc import Iterator

from facturo.reception.formats.ubl.rules.assertions import (
    IS_ALLOWANCE,
    IS_CHARGE,
    LINES,
    ROOT,
    VAT,
    asserting,
    contexts,
    xs_date,
)
from facturo.reception.formats.ubl.rules.registry import UblContext, rule

DOC_ALLOWANCE = f"/ubl:Invoice/cac:AllowanceCharge{IS_ALLOWANCE} | /cn:CreditNote/cac:AllowanceCharge{IS_ALLOWANCE}"
DOC_CHARGE = f"/ubl:Invoice/cac:AllowanceCharge{IS_CHARGE} | /cn:CreditNote/cac:AllowanceCharge{IS_CHARGE}"
LINE_ALLOWANCE = (
    f"//cac:InvoiceLine/cac:AllowanceCharge{IS_ALLOWANCE} | //cac:CreditNoteLine/cac:AllowanceCharge{IS_ALLOWANCE}"
)
LINE_CHARGE = f"//cac:InvoiceLine/cac:AllowanceCharge{IS_CHARGE} | //cac:CreditNoteLine/cac:AllowanceCharge{IS_CHARGE}"
LINE_PERIOD = "//cac:InvoiceLine/cac:InvoicePeriod | //cac:CreditNoteLine/cac:InvoicePeriod"
REASON = "cbc:AllowanceChargeReason or cbc:AllowanceChargeReasonCode"
SUPPLIER = "cac:AccountingSupplierParty/cac:Party"
CUSTOMER = "cac:AccountingCustomerParty/cac:Party"
HAS_B = "//cac:TaxCategory/cbc:ID = 'B' or //cac:ClassifiedTaxCategory/cbc:ID = 'B'"


def _uses(code: str) -> str:
    return (
        f"cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID = '{code}'"
        f" or cac:AllowanceCharge/cac:TaxCategory/cbc:ID = '{code}' or //cac:ClassifiedTaxCategory/cbc:ID = '{code}'"
    )


USES_B, USES_S = _uses("B"), _uses("S")
_MEANS = "normalize-space(cbc:PaymentMeansCode)"

_RULES: list[tuple[str, str, str, str, str]] = [
    # (id, context, test, es, en)
    (
        "BR-01",
        ROOT,
        "normalize-space(cbc:CustomizationID) != ''",
        "Falta el identificador de especificación (BT-24).",
        "The specification identifier (BT-24) is missing.",
    ),
    (
        "BR-02",
        ROOT,
        "normalize-space(cbc:ID) != ''",
        "Falta el número de la factura (BT-1).",
        "The invoice number (BT-1) is missing.",
    ),
    (
        "BR-03",
        ROOT,
        "normalize-space(cbc:IssueDate) != ''",
        "Falta la fecha de emisión (BT-2).",
        "The issue date (BT-2) is missing.",
    ),
    (
        "BR-04",
        ROOT,
        "normalize-space(cbc:InvoiceTypeCode) != '' or normalize-space(cbc:CreditNoteTypeCode) != ''",
        "Falta el código de tipo de documento (BT-3).",
        "The invoice type code (BT-3) is missing.",
    ),
    (
        "BR-05",
        ROOT,
        "normalize-space(cbc:DocumentCurrencyCode) != ''",
        "Falta la moneda de la factura (BT-5).",
        "The invoice currency code (BT-5) is missing.",
    ),
    (
        "BR-06",
        ROOT,
        f"normalize-space({SUPPLIER}/cac:PartyLegalEntity/cbc:RegistrationName) != ''",
        "Falta el nombre del vendedor (BT-27).",
        "The seller name (BT-27) is missing.",
    ),
    (
        "BR-07",
        ROOT,
        f"normalize-space({CUSTOMER}/cac:PartyLegalEntity/cbc:RegistrationName) != ''",
        "Falta el nombre del comprador (BT-44).",
        "The buyer name (BT-44) is missing.",
    ),
    (
        "BR-08",
        ROOT,
        f"{SUPPLIER}/cac:PostalAddress",
        "Falta la dirección postal del vendedor (BG-5).",
        "The seller postal address (BG-5) is missing.",
    ),
    (
        "BR-09",
        "//cac:AccountingSupplierParty/cac:Party/cac:PostalAddress",
        "normalize-space(cac:Country/cbc:IdentificationCode) != ''",
        "Falta el país del vendedor (BT-40).",
        "The seller country code (BT-40) is missing.",
    ),
    (
        "BR-10",
        ROOT,
        f"{CUSTOMER}/cac:PostalAddress",
        "Falta la dirección postal del comprador (BG-8).",
        "The buyer postal address (BG-8) is missing.",
    ),
    (
        "BR-11",
        "//cac:AccountingCustomerParty/cac:Party/cac:PostalAddress",
        "normalize-space(cac:Country/cbc:IdentificationCode) != ''",
        "Falta el país del comprador (BT-55).",
        "The buyer country code (BT-55) is missing.",
    ),
    (
        "BR-12",
        "//cac:LegalMonetaryTotal",
        "cbc:LineExtensionAmount",
        "Falta la suma de importes netos de línea (BT-106).",
        "The sum of invoice line net amounts (BT-106) is missing.",
    ),
    (
        "BR-13",
        "//cac:LegalMonetaryTotal",
        "cbc:TaxExclusiveAmount",
        "Falta el total sin IVA (BT-109).",
        "The invoice total without VAT (BT-109) is missing.",
    ),
    (
        "BR-14",
        "//cac:LegalMonetaryTotal",
        "cbc:TaxInclusiveAmount",
        "Falta el total con IVA (BT-112).",
        "The invoice total with VAT (BT-112) is missing.",
    ),
    (
        "BR-15",
        "//cac:LegalMonetaryTotal",
        "cbc:PayableAmount",
        "Falta el importe a pagar (BT-115).",
        "The amount due for payment (BT-115) is missing.",
    ),
    (
        "BR-16",
        ROOT,
        "cac:InvoiceLine or cac:CreditNoteLine",
        "La factura no tiene líneas (BG-25).",
        "The invoice has no line (BG-25).",
    ),
    (
        "BR-17",
        "//cac:PayeeParty",
        "cac:PartyName/cbc:Name"
        " and not(cac:PartyName/cbc:Name = ../cac:AccountingSupplierParty/cac:Party/cac:PartyName/cbc:Name)"
        " and not(cac:PartyIdentification/cbc:ID"
        " = ../cac:AccountingSupplierParty/cac:Party/cac:PartyIdentification/cbc:ID)",
        "El beneficiario (BG-10) necesita un nombre y ha de ser distinto del vendedor.",
        "The payee (BG-10) needs a name and must differ from the seller.",
    ),
    (
        "BR-18",
        "//cac:TaxRepresentativeParty",
        "normalize-space(cac:PartyName/cbc:Name) != ''",
        "Falta el nombre del representante fiscal (BT-62).",
        "The seller tax representative name (BT-62) is missing.",
    ),
    (
        "BR-19",
        "//cac:TaxRepresentativeParty",
        "cac:PostalAddress",
        "Falta la dirección del representante fiscal (BG-12).",
        "The tax representative postal address (BG-12) is missing.",
    ),
    (
        "BR-20",
        "//cac:TaxRepresentativeParty/cac:PostalAddress",
        "normalize-space(cac:Country/cbc:IdentificationCode) != ''",
        "Falta el país del representante fiscal (BT-69).",
        "The tax representative country code (BT-69) is missing.",
    ),
    (
        "BR-21",
        LINES,
        "normalize-space(cbc:ID) != ''",
        "Falta el identificador de línea (BT-126).",
        "The invoice line identifier (BT-126) is missing.",
    ),
    (
        "BR-22",
        LINES,
        "cbc:InvoicedQuantity or cbc:CreditedQuantity",
        "Falta la cantidad de la línea (BT-129).",
        "The invoiced quantity (BT-129) is missing.",
    ),
    (
        "BR-23",
        LINES,
        "cbc:InvoicedQuantity/@unitCode or cbc:CreditedQuantity/@unitCode",
        "Falta la unidad de medida de la línea (BT-130).",
        "The invoiced quantity unit of measure (BT-130) is missing.",
    ),
    (
        "BR-24",
        LINES,
        "cbc:LineExtensionAmount",
        "Falta el importe neto de la línea (BT-131).",
        "The invoice line net amount (BT-131) is missing.",
    ),
    (
        "BR-25",
        LINES,
        "normalize-space(cac:Item/cbc:Name) != ''",
        "Falta el nombre del artículo (BT-153).",
        "The item name (BT-153) is missing.",
    ),
    (
        "BR-26",
        LINES,
        "cac:Price/cbc:PriceAmount",
        "Falta el precio neto del artículo (BT-146).",
        "The item net price (BT-146) is missing.",
    ),
    # A sign test: XPath compares the number, which is exact for the sign of any decimal written.
    (
        "BR-27",
        LINES,
        "cac:Price/cbc:PriceAmount >= 0",
        "El precio neto del artículo (BT-146) no puede ser negativo.",
        "The item net price (BT-146) shall not be negative.",
    ),
    (
        "BR-28",
        LINES,
        "cac:Price/cac:AllowanceCharge/cbc:BaseAmount >= 0 or not(cac:Price/cac:AllowanceCharge/cbc:BaseAmount)",
        "El precio bruto del artículo (BT-148) no puede ser negativo.",
        "The item gross price (BT-148) shall not be negative.",
    ),
    (
        "BR-31",
        DOC_ALLOWANCE,
        "cbc:Amount",
        "Falta el importe del descuento de documento (BT-92).",
        "The document level allowance amount (BT-92) is missing.",
    ),
    (
        "BR-32",
        DOC_ALLOWANCE,
        f"cac:TaxCategory{VAT}/cbc:ID",
        "Falta la categoría de IVA del descuento de documento (BT-95).",
        "The document level allowance VAT category code (BT-95) is missing.",
    ),
    (
        "BR-33",
        DOC_ALLOWANCE,
        REASON,
        "Falta el motivo del descuento de documento (BT-97/BT-98).",
        "The document level allowance reason (BT-97/BT-98) is missing.",
    ),
    (
        "BR-36",
        DOC_CHARGE,
        "cbc:Amount",
        "Falta el importe del cargo de documento (BT-99).",
        "The document level charge amount (BT-99) is missing.",
    ),
    (
        "BR-37",
        DOC_CHARGE,
        f"cac:TaxCategory{VAT}/cbc:ID",
        "Falta la categoría de IVA del cargo de documento (BT-102).",
        "The document level charge VAT category code (BT-102) is missing.",
    ),
    (
        "BR-38",
        DOC_CHARGE,
        REASON,
        "Falta el motivo del cargo de documento (BT-104/BT-105).",
        "The document level charge reason (BT-104/BT-105) is missing.",
    ),
    (
        "BR-41",
        LINE_ALLOWANCE,
        "cbc:Amount",
        "Falta el importe del descuento de línea (BT-136).",
        "The invoice line allowance amount (BT-136) is missing.",
    ),
    (
        "BR-42",
        LINE_ALLOWANCE,
        REASON,
        "Falta el motivo del descuento de línea (BT-139/BT-140).",
        "The invoice line allowance reason (BT-139/BT-140) is missing.",
    ),
    (
        "BR-43",
        LINE_CHARGE,
        "cbc:Amount",
        "Falta el importe del cargo de línea (BT-141).",
        "The invoice line charge amount (BT-141) is missing.",
    ),
    (
        "BR-44",
        LINE_CHARGE,
        REASON,
        "Falta el motivo del cargo de línea (BT-144/BT-145).",
        "The invoice line charge reason (BT-144/BT-145) is missing.",
    ),
    (
        "BR-45",
        "//cac:TaxTotal/cac:TaxSubtotal",
        "cbc:TaxableAmount",
        "Falta la base imponible del desglose de IVA (BT-116).",
        "The VAT category taxable amount (BT-116) is missing.",
    ),
    (
        "BR-46",
        "//cac:TaxTotal/cac:TaxSubtotal",
        "cbc:TaxAmount",
        "Falta la cuota del desglose de IVA (BT-117).",
        "The VAT category tax amount (BT-117) is missing.",
    ),
    (
        "BR-47",
        "//cac:TaxTotal/cac:TaxSubtotal",
        f"cac:TaxCategory{VAT}/cbc:ID",
        "Falta la categoría del desglose de IVA (BT-118).",
        "The VAT category code (BT-118) is missing.",
    ),
    (
        "BR-48",
        "//cac:TaxTotal/cac:TaxSubtotal",
        f"cac:TaxCategory{VAT}/cbc:Percent or cac:TaxCategory{VAT}[normalize-space(cbc:ID) = 'O']",
        "Falta el tipo del desglose de IVA (BT-119), salvo en la categoría O.",
        "The VAT category rate (BT-119) is missing (only category O may omit it).",
    ),
    (
        "BR-49",
        "//cac:PaymentMeans",
        "cbc:PaymentMeansCode",
        "Falta el código del medio de pago (BT-81).",
        "The payment means type code (BT-81) is missing.",
    ),
    (
        "BR-50",
        "//cac:PaymentMeans[cbc:PaymentMeansCode = '30' or cbc:PaymentMeansCode = '58']/cac:PayeeFinancialAccount",
        "normalize-space(cbc:ID) != ''",
        "Falta la cuenta de pago (BT-84) de la transferencia.",
        "The payment account identifier (BT-84) is missing.",
    ),
    (
        "BR-52",
        "//cac:AdditionalDocumentReference",
        "normalize-space(cbc:ID) != ''",
        "Falta la referencia del documento adjunto (BT-122).",
        "The supporting document reference (BT-122) is missing.",
    ),
    (
        "BR-53",
        ROOT,
        "not(cbc:TaxCurrencyCode[not(//cac:TaxTotal/cbc:TaxAmount/@currencyID = .)])",
        "Falta el total de IVA en la moneda de contabilidad (BT-111).",
        "The VAT total in accounting currency (BT-111) is missing.",
    ),
    (
        "BR-54",
        "//cac:AdditionalItemProperty",
        "cbc:Name and cbc:Value",
        "Un atributo del artículo (BG-32) necesita nombre y valor.",
        "An item attribute (BG-32) needs a name and a value.",
    ),
    (
        "BR-55",
        "//cac:BillingReference",
        "cac:InvoiceDocumentReference/cbc:ID",
        "Falta la referencia de la factura anterior (BT-25).",
        "The preceding invoice reference (BT-25) is missing.",
    ),
    (
        "BR-56",
        "//cac:TaxRepresentativeParty",
        f"cac:PartyTaxScheme{VAT}/cbc:CompanyID",
        "Falta el NIF-IVA del representante fiscal (BT-63).",
        "The tax representative VAT identifier (BT-63) is missing.",
    ),
    (
        "BR-57",
        "//cac:Delivery/cac:DeliveryLocation/cac:Address",
        "cac:Country/cbc:IdentificationCode",
        "Falta el país de entrega (BT-80).",
        "The deliver to country code (BT-80) is missing.",
    ),
    (
        "BR-61",
        "//cac:PaymentMeans",
        f"(cac:PayeeFinancialAccount/cbc:ID and ({_MEANS} = '30' or {_MEANS} = '58'))"
        f" or ({_MEANS} != '30' and {_MEANS} != '58')",
        "Una transferencia necesita la cuenta de pago (BT-84).",
        "A credit transfer needs the payment account identifier (BT-84).",
    ),
    (
        "BR-62",
        "//cac:AccountingSupplierParty/cac:Party/cbc:EndpointID",
        "@schemeID",
        "La dirección electrónica del vendedor (BT-34) necesita un esquema.",
        "The seller electronic address (BT-34) needs a scheme identifier.",
    ),
    (
        "BR-63",
        "//cac:AccountingCustomerParty/cac:Party/cbc:EndpointID",
        "@schemeID",
        "La dirección electrónica del comprador (BT-49) necesita un esquema.",
        "The buyer electronic address (BT-49) needs a scheme identifier.",
    ),
    (
        "BR-64",
        "//cac:InvoiceLine/cac:Item/cac:StandardItemIdentification/cbc:ID"
        " | //cac:CreditNoteLine/cac:Item/cac:StandardItemIdentification/cbc:ID",
        "@schemeID",
        "El identificador estándar del artículo (BT-157) necesita un esquema.",
        "The item standard identifier (BT-157) needs a scheme identifier.",
    ),
    (
        "BR-65",
        "//cac:InvoiceLine/cac:Item/cac:CommodityClassification/cbc:ItemClassificationCode"
        " | //cac:CreditNoteLine/cac:Item/cac:CommodityClassification/cbc:ItemClassificationCode",
        "@listID",
        "La clasificación del artículo (BT-158) necesita un esquema.",
        "The item classification identifier (BT-158) needs a scheme identifier.",
    ),
    (
        "BR-B-01",
        ROOT,
        f"(not(//cbc:IdentificationCode != 'IT') and ({HAS_B})) or not({HAS_B})",
        "El pago dividido (categoría B) solo vale en facturas italianas.",
        "Split payment (category B) is only for Italian domestic invoices.",
    ),
    (
        "BR-B-02",
        ROOT,
        f"(({USES_B}) and not({USES_S})) or not({USES_B})",
        "Una factura con pago dividido (B) no puede tener la categoría S.",
        "An invoice with split payment (B) shall not have category S.",
    ),
]


def _uses_category_b(ctx: UblContext) -> bool:
    """Both BR-B tests hold unless some category's ``cbc:ID`` is 'B'."""
    return "B" in ctx.category_codes


for _id, _context, _test, _es, _en in _RULES:
    asserting(_id, _es, _en, _context, _test, when=_uses_category_b if _id.startswith("BR-B-") else None)


def _period_in_order(ctx: UblContext, context: str, excluding: str | None) -> Iterator[tuple[str, str | None]]:
    for period in contexts(ctx, context, excluding):
        end = period.find(f"{{{_CBC}}}EndDate")
        start = period.find(f"{{{_CBC}}}StartDate")
        if start is None or end is None:
            continue
        start_date, end_date = xs_date(start.text), xs_date(end.text)
        # An unreadable date is the reader's finding; the order cannot be judged.
        if start_date is not None and end_date is not None and end_date < start_date:
            yield ctx.location(period), f"{start.text} > {end.text}"


_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
# The period rules look at invoicing periods only.
_PERIOD = frozenset({"{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}InvoicePeriod"})


@rule(
    "BR-29",
    "La fecha final del periodo (BT-74) es anterior a la inicial (BT-73).",
    "The invoicing period end date (BT-74) is before its start date (BT-73).",
    needs=_PERIOD,
)
def period_in_order(ctx: UblContext) -> Iterator[tuple[str, str | None]]:
    # A line's period is claimed by the line rule of the same pattern (BR-30).
    return _period_in_order(ctx, "//cac:InvoicePeriod", LINE_PERIOD)


@rule(
    "BR-30",
    "La fecha final del periodo de línea (BT-135) es anterior a la inicial (BT-134).",
    "The invoice line period end date (BT-135) is before its start date (BT-134).",
    needs=_PERIOD,
)
def line_period_in_order(ctx: UblContext) -> Iterator[tuple[str, str | None]]:
    return _period_in_order(ctx, LINE_PERIOD, None)
