"""EN 16931 UBL syntax rules, the fatal ones of rules version 1.3.16: UBL-SR-* (an element occurs
at most once where the model allows one), UBL-DT-01/06/07 (amount decimals, binary object
attributes) and UBL-CR-666/673 (an invoiced object reference carries no attachment or description).

All of them live in one Schematron pattern of the official rules, so a node is checked only by the
first rule (highest priority) whose context matches it; the contexts below do not overlap except
for an AllowanceCharge whose indicators say both allowance and charge, which the allowance rule
claims. Each test is the official XPath 2.0 written in XPath 1.0 (see docs/reception-ubl-syntax.md):

- ``ends-with(name(), 'Amount')`` -> ``substring(name(), string-length(name()) - 5) = 'Amount'``;
- ``upper-case(x) = 'VAT'`` -> ``translate(x, 'vat', 'VAT') = 'VAT'`` (no other character upper-cases
  to V, A or T); ``upper-case(x) = 'SEPA'`` also maps U+017F LATIN SMALL LETTER LONG S, which
  upper-cases to S;
- ``exists(x)`` -> ``x``; ``preceding::a/. = .`` -> ``preceding::a = .`` (string comparison of
  untyped nodes in both).
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from facturo.reception.formats.ubl.rules.assertions import (
    IS_ALLOWANCE,
    IS_CHARGE,
    LINES,
    ROOT,
    XNS,
    amounts_over_two_decimals,
    asserting,
    string_value,
)
from facturo.reception.formats.ubl.rules.registry import UblContext, rule


def _at_most_once(path: str) -> str:
    return f"count({path}) <= 1"


ADDRESS = "//cac:PostalAddress | //cac:Address"
SELLER_PARTY = "//cac:AccountingSupplierParty/cac:Party"
DOCUMENT_REFERENCE = "//cac:AdditionalDocumentReference"
ALLOWANCE = f"//cac:AllowanceCharge{IS_ALLOWANCE}"
CHARGE = f"//cac:AllowanceCharge{IS_CHARGE}"

_VAT = "[cac:TaxScheme[translate(cbc:ID, 'vat', 'VAT') = 'VAT']]"
_NOT_VAT = "[cac:TaxScheme[translate(cbc:ID, 'vat', 'VAT') != 'VAT']]"
_SEPA = "translate(@schemeID, 'sepa\u017f', 'SEPAS') = 'SEPA'"
SELLER = "cac:AccountingSupplierParty/cac:Party"
BUYER = "cac:AccountingCustomerParty/cac:Party"
# The payee rules also require the payee's name to differ from the seller's registration name; a
# general comparison, false when either side is absent, as in the official rules.
_PAYEE_IS_NOT_SELLER = (
    "cac:PartyName/cbc:Name != ../cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName"
)

_RULES: list[tuple[str, str, str, str, str]] = [
    # (id, context, test, es, en), in the official pattern's priority order (UBL-DT-01/06/07 below).
    ("UBL-SR-51", ADDRESS, "not(cac:AddressLine) or count(cac:AddressLine) = 1",
     "Una dirección solo puede tener una tercera línea (cac:AddressLine).", "An address can only have one third line."),
    ("UBL-SR-42", SELLER_PARTY, "count(cac:PartyTaxScheme) <= 2",
     "El vendedor tiene más de dos esquemas fiscales (PartyTaxScheme).",
     "Party tax scheme shall occur at most twice in the accounting supplier party."),
    ("UBL-SR-33", DOCUMENT_REFERENCE, _at_most_once("cbc:DocumentDescription"),
     "La descripción del documento adjunto (BT-123) aparece más de una vez.",
     "The supporting document description (BT-123) shall occur at most once."),
    ("UBL-SR-43", DOCUMENT_REFERENCE,
     "cbc:DocumentTypeCode = '130' or (local-name(/*) = 'CreditNote' and cbc:DocumentTypeCode = '50')"
     " or (not(cbc:ID/@schemeID) and not(cbc:DocumentTypeCode))",
     "El esquema del identificador solo se admite en el objeto facturado (tipo de documento 130, o 50 en notas de"
     " crédito).",
     "A scheme identifier shall only be used for an invoiced object (document type code 130, or 50 in a credit note)."),
    ("UBL-SR-25", "//cac:Delivery", _at_most_once("cac:DeliveryParty/cac:PartyName/cbc:Name"),
     "El nombre de la parte de entrega (BT-70) aparece más de una vez.",
     "The deliver to party name (BT-70) shall occur at most once."),
    ("UBL-SR-30", ALLOWANCE, _at_most_once("cbc:AllowanceChargeReason"),
     "El motivo del descuento aparece más de una vez.", "The allowance reason shall occur at most once."),
    ("UBL-SR-31", CHARGE, _at_most_once("cbc:AllowanceChargeReason"),
     "El motivo del cargo aparece más de una vez.", "The charge reason shall occur at most once."),
    ("UBL-SR-53", "//cac:PartyTaxScheme", "cac:TaxScheme/cbc:ID and cbc:CompanyID",
     "Un esquema fiscal de parte (PartyTaxScheme) necesita el identificador (CompanyID) y el esquema (TaxScheme/ID).",
     "A party tax scheme needs both its CompanyID (VAT identifier) and its TaxScheme/ID."),
    ("UBL-CR-666", ROOT, "not(//cac:AdditionalDocumentReference[cbc:DocumentTypeCode = '130']/cac:Attachment)",
     "La referencia al objeto facturado (tipo 130) no puede llevar un adjunto.",
     "An invoiced object reference (document type 130) shall not include an attachment."),
    ("UBL-CR-673", ROOT,
     "not(//cac:AdditionalDocumentReference[cbc:DocumentTypeCode = '130']/cbc:DocumentDescription)",
     "La referencia al objeto facturado (tipo 130) no puede llevar una descripción.",
     "An invoiced object reference (document type 130) shall not include a document description."),
    ("UBL-SR-01", ROOT, _at_most_once("cac:ContractDocumentReference/cbc:ID"),
     "La referencia del contrato (BT-12) aparece más de una vez.",
     "The contract reference (BT-12) shall occur at most once."),
    ("UBL-SR-02", ROOT, _at_most_once("cac:ReceiptDocumentReference/cbc:ID"),
     "La referencia del aviso de recepción (BT-15) aparece más de una vez.",
     "The receiving advice reference (BT-15) shall occur at most once."),
    ("UBL-SR-03", ROOT, _at_most_once("cac:DespatchDocumentReference/cbc:ID"),
     "La referencia del aviso de expedición (BT-16) aparece más de una vez.",
     "The despatch advice reference (BT-16) shall occur at most once."),
    ("UBL-SR-04", ROOT, _at_most_once("cac:AdditionalDocumentReference[cbc:DocumentTypeCode = '130']/cbc:ID"),
     "El identificador del objeto facturado (BT-18) aparece más de una vez.",
     "The invoiced object identifier (BT-18) shall occur at most once."),
    ("UBL-SR-05", ROOT, _at_most_once("cac:PaymentTerms/cbc:Note"),
     "Las condiciones de pago (BT-20) aparecen más de una vez.", "The payment terms (BT-20) shall occur at most once."),
    ("UBL-SR-08", ROOT, _at_most_once("cac:InvoicePeriod"),
     "El periodo de facturación (BG-14) aparece más de una vez.",
     "The invoicing period (BG-14) shall occur at most once."),
    ("UBL-SR-09", ROOT, _at_most_once(f"{SELLER}/cac:PartyLegalEntity/cbc:RegistrationName"),
     "El nombre del vendedor (BT-27) aparece más de una vez.", "The seller name (BT-27) shall occur at most once."),
    ("UBL-SR-10", ROOT, _at_most_once(f"{SELLER}/cac:PartyName/cbc:Name"),
     "El nombre comercial del vendedor (BT-28) aparece más de una vez.",
     "The seller trading name (BT-28) shall occur at most once."),
    ("UBL-SR-11", ROOT, _at_most_once(f"{SELLER}/cac:PartyLegalEntity/cbc:CompanyID"),
     "El registro legal del vendedor (BT-30) aparece más de una vez.",
     "The seller legal registration identifier (BT-30) shall occur at most once."),
    ("UBL-SR-12", ROOT, _at_most_once(f"{SELLER}/cac:PartyTaxScheme{_VAT}/cbc:CompanyID"),
     "El NIF-IVA del vendedor (BT-31) aparece más de una vez.",
     "The seller VAT identifier (BT-31) shall occur at most once."),
    ("UBL-SR-13", ROOT, _at_most_once(f"{SELLER}/cac:PartyTaxScheme{_NOT_VAT}/cbc:CompanyID"),
     "El registro fiscal del vendedor (BT-32) aparece más de una vez.",
     "The seller tax registration identifier (BT-32) shall occur at most once."),
    ("UBL-SR-14", ROOT, _at_most_once(f"{SELLER}/cac:PartyLegalEntity/cbc:CompanyLegalForm"),
     "La información legal adicional del vendedor (BT-33) aparece más de una vez.",
     "The seller additional legal information (BT-33) shall occur at most once."),
    ("UBL-SR-15", ROOT, _at_most_once(f"{BUYER}/cac:PartyLegalEntity/cbc:RegistrationName"),
     "El nombre del comprador (BT-44) aparece más de una vez.", "The buyer name (BT-44) shall occur at most once."),
    ("UBL-SR-16", ROOT, _at_most_once(f"{BUYER}/cac:PartyIdentification/cbc:ID"),
     "El identificador del comprador (BT-46) aparece más de una vez.",
     "The buyer identifier (BT-46) shall occur at most once."),
    ("UBL-SR-17", ROOT, _at_most_once(f"{BUYER}/cac:PartyLegalEntity/cbc:CompanyID"),
     "El registro legal del comprador (BT-47) aparece más de una vez.",
     "The buyer legal registration identifier (BT-47) shall occur at most once."),
    ("UBL-SR-18", ROOT, _at_most_once(f"{BUYER}/cac:PartyTaxScheme{_VAT}/cbc:CompanyID"),
     "El NIF-IVA del comprador (BT-48) aparece más de una vez.",
     "The buyer VAT identifier (BT-48) shall occur at most once."),
    ("UBL-SR-24", ROOT, _at_most_once("cac:Delivery"),
     "La información de entrega (BG-13) aparece más de una vez.",
     "The delivery information (BG-13) shall occur at most once."),
    ("UBL-SR-29", ROOT, _at_most_once(f"//cac:PartyIdentification/cbc:ID[{_SEPA}]"),
     "La referencia bancaria del acreedor (BT-90, esquema SEPA) aparece más de una vez.",
     "The bank assigned creditor identifier (BT-90, SEPA scheme) shall occur at most once."),
    ("UBL-SR-39", ROOT, _at_most_once("cac:ProjectReference/cbc:ID"),
     "La referencia del proyecto (BT-11) aparece más de una vez.",
     "The project reference (BT-11) shall occur at most once."),
    ("UBL-SR-40", ROOT, _at_most_once(f"{BUYER}/cac:PartyName/cbc:Name"),
     "El nombre comercial del comprador (BT-45) aparece más de una vez.",
     "The buyer trading name (BT-45) shall occur at most once."),
    ("UBL-SR-44", ROOT, "count(//cbc:PaymentID[not(preceding::cbc:PaymentID = .)]) <= 1",
     "La factura tiene más de una referencia de pago (BT-83) distinta.",
     "An invoice may have only one distinct payment identifier (BT-83), used by any number of payment means."),
    ("UBL-SR-45", ROOT, _at_most_once("cac:PaymentMeans/cbc:PaymentDueDate"),
     "La fecha de vencimiento aparece más de una vez.", "The due date shall occur at most once."),
    ("UBL-SR-46", ROOT, _at_most_once("cac:PaymentMeans/cbc:PaymentMeansCode/@name"),
     "El texto del medio de pago (BT-82) aparece más de una vez.",
     "The payment means text (BT-82) shall occur at most once."),
    ("UBL-SR-47", ROOT, "count(//cbc:PaymentMeansCode[not(preceding::cbc:PaymentMeansCode = .)]) <= 1",
     "Los medios de pago tienen códigos (BT-81) distintos; deben ser iguales.",
     "When there is more than one payment means code (BT-81), they shall be equal."),
    ("UBL-SR-49", ROOT, _at_most_once("cac:InvoicePeriod/cbc:DescriptionCode"),
     "El código de la fecha de devengo del IVA (BT-8) aparece más de una vez.",
     "The value added tax point date code (BT-8) shall occur at most once."),
    ("UBL-SR-54", ROOT, _at_most_once("cac:PaymentMeans/cac:CardAccount"),
     "La factura tiene más de una tarjeta de pago (BG-18).",
     "An invoice shall contain at most one payment card account (BG-18)."),
    ("UBL-SR-55", ROOT, _at_most_once("cac:PaymentMeans/cac:PaymentMandate"),
     "La factura tiene más de un mandato de adeudo directo (BG-19).",
     "An invoice shall contain at most one payment mandate (BG-19)."),
    ("UBL-SR-56", ROOT, _at_most_once("cac:OriginatorDocumentReference/cbc:ID"),
     "La referencia del documento de origen (BT-17) aparece más de una vez.",
     "An invoice shall contain at most one originator document reference (BT-17)."),
    ("UBL-SR-34", LINES, _at_most_once("cbc:Note"),
     "La nota de línea (BT-127) aparece más de una vez.", "The invoice line note (BT-127) shall occur at most once."),
    ("UBL-SR-35", LINES, _at_most_once("cac:OrderLineReference/cbc:LineID"),
     "La línea de pedido referida (BT-132) aparece más de una vez.",
     "The referenced purchase order line (BT-132) shall occur at most once."),
    ("UBL-SR-36", LINES, _at_most_once("cac:InvoicePeriod"),
     "El periodo de la línea (BG-26) aparece más de una vez.",
     "The invoice line period (BG-26) shall occur at most once."),
    ("UBL-SR-37", LINES, _at_most_once("cac:Price/cac:AllowanceCharge/cbc:Amount"),
     "El descuento sobre el precio (BT-147) aparece más de una vez.",
     "The item price discount (BT-147) shall occur at most once."),
    ("UBL-SR-48", LINES, "count(cac:Item/cac:ClassifiedTaxCategory) = 1",
     "La línea debe tener una y solo una categoría de IVA (ClassifiedTaxCategory).",
     "An invoice line shall have one and only one classified tax category."),
    ("UBL-SR-50", LINES, _at_most_once("cac:Item/cbc:Description"),
     "La descripción del artículo (BT-154) aparece más de una vez.",
     "The item description (BT-154) shall occur at most once."),
    ("UBL-SR-52", LINES, _at_most_once("cac:DocumentReference"),
     "La referencia de documento de la línea aparece más de una vez.",
     "The invoice line document reference shall occur at most once."),
    ("UBL-SR-19", "//cac:PayeeParty", f"count(cac:PartyName/cbc:Name) <= 1 and {_PAYEE_IS_NOT_SELLER}",
     "El beneficiario (BG-10) necesita un único nombre (BT-59), distinto del vendedor.",
     "The payee name (BT-59) shall occur once and the payee shall differ from the seller."),
    ("UBL-SR-20", "//cac:PayeeParty",
     f"count(cac:PartyIdentification/cbc:ID[not({_SEPA})]) <= 1 and {_PAYEE_IS_NOT_SELLER}",
     "El identificador del beneficiario (BT-60) aparece más de una vez, o el beneficiario no se distingue del"
     " vendedor.",
     "The payee identifier (BT-60) shall occur at most once, and the payee shall differ from the seller."),
    ("UBL-SR-21", "//cac:PayeeParty", f"count(cac:PartyLegalEntity/cbc:CompanyID) <= 1 and {_PAYEE_IS_NOT_SELLER}",
     "El registro legal del beneficiario (BT-61) aparece más de una vez, o el beneficiario no se distingue del"
     " vendedor.",
     "The payee legal registration identifier (BT-61) shall occur at most once, and the payee shall differ from the"
     " seller."),
    ("UBL-SR-26", "//cac:PaymentMeans", _at_most_once("cbc:PaymentID"),
     "La referencia de pago (BT-83) aparece más de una vez en un medio de pago.",
     "The payment identifier (BT-83) shall occur at most once in a payment means."),
    ("UBL-SR-27", "//cac:PaymentMeans", _at_most_once("cbc:PaymentMeansCode"),
     "El código del medio de pago (BT-81) aparece más de una vez en un medio de pago.",
     "The payment means code (BT-81) shall occur at most once in a payment means."),
    ("UBL-SR-28", "//cac:PaymentMeans", _at_most_once("cac:PaymentMandate/cbc:ID"),
     "La referencia del mandato (BT-89) aparece más de una vez.",
     "The mandate reference (BT-89) shall occur at most once."),
    ("UBL-SR-06", "//cac:BillingReference", _at_most_once("cac:InvoiceDocumentReference"),
     "Una referencia a factura anterior (BG-3) tiene más de una factura.",
     "A preceding invoice reference (BG-3) shall hold at most one invoice."),
    ("UBL-SR-07", "//cac:BillingReference", "cac:InvoiceDocumentReference/cbc:ID",
     "La referencia a factura anterior (BG-3) necesita el número de esa factura (BT-25).",
     "A preceding invoice reference (BG-3) needs the preceding invoice number (BT-25)."),
    ("UBL-SR-22", "//cac:TaxRepresentativeParty", _at_most_once("cac:PartyName/cbc:Name"),
     "El nombre del representante fiscal (BT-62) aparece más de una vez.",
     "The seller tax representative name (BT-62) shall occur at most once."),
    ("UBL-SR-23", "//cac:TaxRepresentativeParty", _at_most_once("cac:PartyTaxScheme/cbc:CompanyID"),
     "El NIF-IVA del representante fiscal (BT-63) aparece más de una vez.",
     "The seller tax representative VAT identifier (BT-63) shall occur at most once."),
    ("UBL-SR-32", "//cac:TaxSubtotal", _at_most_once("cac:TaxCategory/cbc:TaxExemptionReason"),
     "El motivo de exención del IVA (BT-120) aparece más de una vez.",
     "The VAT exemption reason text (BT-120) shall occur at most once."),
]  # fmt: skip

for _id, _context, _test, _es, _en in _RULES:
    # An AllowanceCharge that is both (two indicators) is claimed by the allowance rule, the
    # earlier one of the pattern.
    asserting(_id, _es, _en, _context, _test, excluding=ALLOWANCE if _context == CHARGE else None)


Hits = Iterator[tuple[str, str | None]]


# The three UBL-DT rules look at every element of the document (``//*[ends-with(name(), ...)]``):
# they read the tags of the document's index, so that only the elements named like an amount or a
# binary object are looked at. ``ends-with(name(), 'Amount')`` holds exactly when the local name
# ends so (the prefix ends in a colon), and so when the tag in Clark notation (``{ns}local``) does.
_PRICE = f"{{{XNS['cac']}}}Price"
_ALLOWANCE_CHARGE = f"{{{XNS['cac']}}}AllowanceCharge"


def _in_price_with_allowance(node: etree._Element) -> bool:
    """``ancestor::cac:Price/cac:AllowanceCharge``: a Price above the node has an allowance."""
    return any(above.find(_ALLOWANCE_CHARGE) is not None for above in node.iterancestors(_PRICE))


@rule("UBL-DT-01", "Un importe tiene más de dos decimales.", "Amounts shall be decimal up to two fraction digits.")
def _amount_decimals(ctx: UblContext) -> Hits:
    broken = [
        element
        for element in amounts_over_two_decimals(ctx)
        if not element.tag.endswith("PriceAmount") and not _in_price_with_allowance(element)
    ]
    for element in ctx.in_document_order(broken) if len(broken) > 1 else broken:
        yield ctx.location(element), string_value(element).strip()


def _binary_objects_without(ctx: UblContext, attribute: str) -> Hits:
    for element in ctx.elements(*ctx.tags_ending("BinaryObject")):
        if element.get(attribute) is None:
            yield ctx.location(element), None


@rule(
    "UBL-DT-06",
    "El objeto binario no lleva el atributo mimeCode.",
    "Binary object elements shall contain the mime code attribute.",
)
def _binary_mime_code(ctx: UblContext) -> Hits:
    return _binary_objects_without(ctx, "mimeCode")


@rule(
    "UBL-DT-07",
    "El objeto binario no lleva el atributo filename.",
    "Binary object elements shall contain the file name attribute.",
)
def _binary_file_name(ctx: UblContext) -> Hits:
    return _binary_objects_without(ctx, "filename")
