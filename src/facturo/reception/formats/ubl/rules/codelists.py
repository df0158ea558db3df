"""EN 16931 code-list rules (BR-CL-*): a coded element or attribute must hold a code of its list.

Each rule is one row of :data:`CODED`: which element (and, for some, which parent) carries the code,
whether the code is the text or an attribute, and which list it belongs to. As in the official rules
the value is compared after ``normalize-space``; an empty value is not a code. BR-CL-10 also takes
the scheme ``SEPA`` on a seller's or payee's party identifier (the bank assigned creditor id).

BR-CL-08 is apart: the subject code of a note is the text between its first two ``#`` marks, judged
only when it has three characters, and the official rule looks it up as a substring of the list
joined by spaces (not as a token), which the native rule does too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources

from lxml import etree

from facturo.reception.formats.ubl import codes as code_files
from facturo.reception.formats.ubl.codes import code_list
from facturo.reception.formats.ubl.rules import vat_support as vs
from facturo.reception.formats.ubl.rules.assertions import contexts
from facturo.reception.formats.ubl.rules.registry import UblContext, rule
from facturo.reception.formats.ubl.rules.values import normalize_space

Hits = Iterator[tuple[str, str | None]]
AMOUNTS = [
    "Amount",
    "BaseAmount",
    "PriceAmount",
    "TaxAmount",
    "TaxableAmount",
    "LineExtensionAmount",
    "TaxExclusiveAmount",
    "TaxInclusiveAmount",
    "AllowanceTotalAmount",
    "ChargeTotalAmount",
    "PrepaidAmount",
    "PayableRoundingAmount",
    "PayableAmount",
]


@dataclass(frozen=True)
class Coded:
    rule_id: str
    codes: str  # the list's file name in facturo.reception.formats.ubl.codes
    elements: tuple[str, ...]  # local names (cbc:) of the coded element
    parents: tuple[str, ...] = ()  # local names (cac:) of its parent, () for any
    attribute: str | None = None  # the code is this attribute, else the element's text
    attribute_required: bool = True  # the rule applies only where the attribute exists
    parent_test: Callable[[UblContext, etree._Element], bool] | None = None
    also_valid: Callable[[etree._Element, str], bool] | None = None  # a value the list lacks but the rule takes
    es: str = ""
    en: str = ""


def _document_type_130(ctx: UblContext, parent: etree._Element) -> bool:
    return any((c.text or "") == "130" for c in ctx.children(parent, f"{{{vs.CBC}}}DocumentTypeCode"))


_SEPA_HOLDERS = {f"{{{vs.CAC}}}AccountingSupplierParty", f"{{{vs.CAC}}}PayeeParty"}


def _sepa_creditor(node: etree._Element, value: str) -> bool:
    """A SEPA creditor identifier (BT-90) is a seller's or payee's party identifier with scheme SEPA."""
    return value == "SEPA" and any(a.tag in _SEPA_HOLDERS for a in node.iterancestors())


def _charge(value: bool) -> Callable[[UblContext, etree._Element], bool]:
    return lambda ctx, parent: vs.indicator(ctx, parent) is value


ICD = "iso6523_icd_schemes"
CODED: tuple[Coded, ...] = (
    Coded("BR-CL-03", "iso4217_currencies", tuple(AMOUNTS), attribute="currencyID", attribute_required=False,
          es="La moneda de un importe debe ser un código ISO 4217", en="An amount's currency must be an ISO 4217 code"),
    Coded("BR-CL-04", "iso4217_currencies", ("DocumentCurrencyCode",),
          es="La moneda de la factura debe ser un código ISO 4217", en="The invoice currency must be an ISO 4217 code"),
    Coded("BR-CL-05", "iso4217_currencies", ("TaxCurrencyCode",),
          es="La moneda de contabilización del IVA debe ser un código ISO 4217",
          en="The VAT accounting currency must be an ISO 4217 code"),
    Coded("BR-CL-06", "uncl2005_date_codes", ("DescriptionCode",), ("InvoicePeriod",),
          es="El código de fecha del IVA debe ser de UNCL 2005 (3, 35, 432)",
          en="The value added tax point date code must be from UNCL 2005 (3, 35, 432)"),
    Coded("BR-CL-07", "uncl1153_reference_qualifiers", ("ID",), ("AdditionalDocumentReference", "DocumentReference"),
          "schemeID", parent_test=_document_type_130,
          es="El esquema del objeto facturado debe ser de UNCL 1153",
          en="The invoiced object identifier scheme must be from UNCL 1153"),
    Coded("BR-CL-10", ICD, ("ID",), ("PartyIdentification",), "schemeID", also_valid=_sepa_creditor,
          es="El esquema de un identificador de parte debe ser de ISO 6523 ICD",
          en="A party identifier scheme must be from ISO 6523 ICD"),
    Coded("BR-CL-11", ICD, ("CompanyID",), ("PartyLegalEntity",), "schemeID",
          es="El esquema del registro legal debe ser de ISO 6523 ICD",
          en="A legal registration identifier scheme must be from ISO 6523 ICD"),
    Coded("BR-CL-13", "uncl7143_item_classifications", ("ItemClassificationCode",), ("CommodityClassification",),
          "listID", es="La clasificación del artículo debe ser de UNCL 7143",
          en="An item classification scheme must be from UNCL 7143"),
    Coded("BR-CL-14", "iso3166_countries", ("IdentificationCode",), ("Country",),
          es="El país debe ser un código ISO 3166-1 alfa-2", en="A country code must be ISO 3166-1 alpha-2"),
    Coded("BR-CL-15", "iso3166_countries", ("IdentificationCode",), ("OriginCountry",),
          es="El país de origen debe ser un código ISO 3166-1 alfa-2",
          en="The country of origin must be ISO 3166-1 alpha-2"),
    Coded("BR-CL-16", "uncl4461_payment_means", ("PaymentMeansCode",), ("PaymentMeans",),
          es="El medio de pago debe ser de UNCL 4461", en="The payment means code must be from UNCL 4461"),
    Coded("BR-CL-17", "uncl5305_vat_categories", ("ID",), ("TaxCategory",),
          es="La categoría de IVA debe ser de UNCL 5305", en="A VAT category code must be from UNCL 5305"),
    Coded("BR-CL-18", "uncl5305_vat_categories", ("ID",), ("ClassifiedTaxCategory",),
          es="La categoría de IVA de la línea debe ser de UNCL 5305",
          en="An invoiced item VAT category code must be from UNCL 5305"),
    Coded("BR-CL-19", "uncl5189_allowance_reasons", ("AllowanceChargeReasonCode",), ("AllowanceCharge",),
          parent_test=_charge(False), es="El motivo del descuento debe ser de UNCL 5189",
          en="An allowance reason code must be from UNCL 5189"),
    Coded("BR-CL-20", "uncl7161_charge_reasons", ("AllowanceChargeReasonCode",), ("AllowanceCharge",),
          parent_test=_charge(True), es="El motivo del cargo debe ser de UNCL 7161",
          en="A charge reason code must be from UNCL 7161"),
    Coded("BR-CL-21", ICD, ("ID",), ("StandardItemIdentification",), "schemeID",
          es="El esquema del identificador estándar del artículo debe ser de ISO 6523 ICD",
          en="An item standard identifier scheme must be from ISO 6523 ICD"),
    Coded("BR-CL-22", "vatex_exemption_reasons", ("TaxExemptionReasonCode",),
          es="El código de exención debe ser de la lista VATEX", en="An exemption reason code must be from VATEX"),
    Coded("BR-CL-23", "unece_rec20_21_units", ("InvoicedQuantity", "BaseQuantity", "CreditedQuantity"), (),
          "unitCode", es="La unidad de medida debe ser de UN/ECE Rec. 20/21",
          en="A unit of measure must be from UN/ECE Recommendation 20 with Rec. 21"),
    Coded("BR-CL-25", "eas_endpoint_schemes", ("EndpointID",), (), "schemeID",
          es="El esquema de la dirección electrónica debe ser de la lista EAS",
          en="An electronic address scheme must be from the EAS list"),
    Coded("BR-CL-26", ICD, ("ID",), ("DeliveryLocation",), "schemeID",
          es="El esquema del lugar de entrega debe ser de ISO 6523 ICD",
          en="A delivery location identifier scheme must be from ISO 6523 ICD"),
)  # fmt: skip


def _check(spec: Coded) -> Callable[[UblContext], Hits]:
    names = tuple(f"{{{vs.CBC}}}{e}" for e in spec.elements)
    parents = {f"{{{vs.CAC}}}{p}" for p in spec.parents}
    attribute, required = spec.attribute, spec.attribute_required

    def check(ctx: UblContext) -> Hits:
        codes = code_list(spec.codes)
        broken: dict[etree._Element, str] = {}
        for node in ctx.unordered(names):
            if parents or spec.parent_test is not None:
                parent = node.getparent()
                if parent is None or (parents and parent.tag not in parents):
                    continue
                if spec.parent_test is not None and not spec.parent_test(ctx, parent):
                    continue
            if attribute is None:
                raw = node.text
            else:
                raw = node.get(attribute)
                if raw is None and required:
                    continue
            value = normalize_space(raw)
            if value not in codes and not (spec.also_valid is not None and spec.also_valid(node, value)):
                broken[node] = value
        for node in ctx.in_document_order(broken) if len(broken) > 1 else broken:
            yield ctx.location(node), broken[node]

    return check


for _spec in CODED:
    # Needs one of its coded elements: a document without any is not even looked at.
    _needs = frozenset(f"{{{vs.CBC}}}{e}" for e in _spec.elements)
    rule(_spec.rule_id, _spec.es, _spec.en, needs=_needs)(_check(_spec))


@rule(
    "BR-CL-01",
    "El tipo de factura o de nota de crédito debe ser de UNCL 1001",
    "The invoice or credit note type code must be from UNCL 1001",
)
def _document_type_code(ctx: UblContext) -> Hits:
    for name, codes in (
        ("InvoiceTypeCode", "uncl1001_invoice_types"),
        ("CreditNoteTypeCode", "uncl1001_credit_note_types"),
    ):
        for node in ctx.elements(f"{{{vs.CBC}}}{name}"):
            value = normalize_space(node.text)
            if value not in code_list(codes):
                yield ctx.location(node), value


@rule(
    "BR-CL-24",
    "El tipo MIME de un adjunto debe ser PDF, PNG, JPEG, CSV, XLSX u ODS",
    "An attachment's MIME code must be PDF, PNG, JPEG, CSV, XLSX or ODS",
    needs=frozenset({f"{{{vs.CBC}}}EmbeddedDocumentBinaryObject"}),
)
def _attachment_mime_code(ctx: UblContext) -> Hits:
    for node in ctx.elements(f"{{{vs.CBC}}}EmbeddedDocumentBinaryObject"):
        mime = node.get("mimeCode")
        # Compared as given: the official rule does not normalize this attribute.
        if mime is not None and mime not in code_list("attachment_mime_codes"):
            yield ctx.location(node), mime


@functools.cache
def _note_subjects() -> str:
    """The UNCL 4451 subject codes as the official rule holds them: one string, space separated."""
    text = resources.files(code_files).joinpath("uncl4451_note_subjects.txt").read_text(encoding="utf-8")
    return " " + " ".join(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")) + " "


@rule(
    "BR-CL-08",
    "El código de asunto de la nota (entre almohadillas, #AAI#) debe ser de UNCL 4451",
    "An invoice note subject code (between hashes, #AAI#) must be from UNCL 4451",
    needs=frozenset({f"{{{vs.CBC}}}Note"}),
)
def _note_subject_code(ctx: UblContext) -> Hits:
    for note in contexts(ctx, "/ubl:Invoice/cbc:Note | /cn:CreditNote/cbc:Note"):
        # The code is what lies between the first two '#'; only a three-character one is judged,
        # and, as in the official rule, it is looked up as a substring of the joined list.
        _, first, rest = str(note.xpath("string()")).partition("#")
        code, second, _ = rest.partition("#")
        if first and second and len(code) == 3 and code not in _note_subjects():
            yield ctx.location(note), code
