"""Rich UBL documents for the syntax (UBL-SR/DT/CR) and decimal (BR-DEC) rule tests.

The base Invoice and CreditNote carry, once each, nearly every optional element the "occurs at most
once" rules count (contract, receipt, despatch, originator and project references, the invoiced
object, payee, tax representative, delivery party, a SEPA creditor id, a line note, period, order
line, object and price discount...), two VAT categories (S with a document allowance and charge, E
with its exemption reason) and every total: a valid document the official rules accept without a
fatal finding, so that a mutation that duplicates one element breaks one rule only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from facturo.reception.formats.reading import Severity
from facturo.reception.formats.ubl.rules.all import run_rules
from facturo.reception.formats.ubl.rules.registry import UblContext

CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS = {"cac": CAC, "cbc": CBC}
LINE = "/*/cac:InvoiceLine | /*/cac:CreditNoteLine"

Mutation = Callable[[etree._Element], None]


def _address(city: str, country: str = "ES", line: bool = False) -> str:
    extra = "<cac:AddressLine><cbc:Line>Planta 3</cbc:Line></cac:AddressLine>" if line else ""
    return (
        f"<cbc:StreetName>Calle Mayor 1</cbc:StreetName><cbc:CityName>{city}</cbc:CityName>"
        f"<cbc:PostalZone>28001</cbc:PostalZone>{extra}"
        f"<cac:Country><cbc:IdentificationCode>{country}</cbc:IdentificationCode></cac:Country>"
    )


def _tax_scheme(company_id: str, scheme: str = "VAT") -> str:
    return (
        f"<cac:PartyTaxScheme><cbc:CompanyID>{company_id}</cbc:CompanyID>"
        f"<cac:TaxScheme><cbc:ID>{scheme}</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>"
    )


def _category(tag: str, code: str, percent: str, reason: bool = False) -> str:
    why = "<cbc:TaxExemptionReason>Exenta art. 20</cbc:TaxExemptionReason>" if reason else ""
    return (
        f"<cac:{tag}><cbc:ID>{code}</cbc:ID><cbc:Percent>{percent}</cbc:Percent>{why}"
        f"<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:{tag}>"
    )


def _allowance(charge: bool, reason: str, amount: str, base: str, factor: str, category: str = "") -> str:
    return (
        f"<cac:AllowanceCharge><cbc:ChargeIndicator>{'true' if charge else 'false'}</cbc:ChargeIndicator>"
        f"<cbc:AllowanceChargeReason>{reason}</cbc:AllowanceChargeReason>"
        f"<cbc:MultiplierFactorNumeric>{factor}</cbc:MultiplierFactorNumeric>"
        f'<cbc:Amount currencyID="EUR">{amount}</cbc:Amount><cbc:BaseAmount currencyID="EUR">{base}</cbc:BaseAmount>'
        f"{category}</cac:AllowanceCharge>"
    )


def _line(credit_note: bool) -> str:
    tag, quantity = ("CreditNoteLine", "CreditedQuantity") if credit_note else ("InvoiceLine", "InvoicedQuantity")
    # 10 x 12.50 = 125.00, less a line allowance of 5.00: 120.00 at S 21 %.
    first = (
        f"<cac:{tag}><cbc:ID>1</cbc:ID><cbc:Note>Entrega parcial</cbc:Note>"
        f'<cbc:{quantity} unitCode="C62">10</cbc:{quantity}>'
        '<cbc:LineExtensionAmount currencyID="EUR">120.00</cbc:LineExtensionAmount>'
        "<cac:InvoicePeriod><cbc:StartDate>2024-03-01</cbc:StartDate><cbc:EndDate>2024-03-31</cbc:EndDate>"
        "</cac:InvoicePeriod><cac:OrderLineReference><cbc:LineID>1</cbc:LineID></cac:OrderLineReference>"
        '<cac:DocumentReference><cbc:ID schemeID="ABZ">OBJ-L1</cbc:ID><cbc:DocumentTypeCode>130</cbc:DocumentTypeCode>'
        "</cac:DocumentReference>"
        + _allowance(False, "Descuento por volumen", "5.00", "125.00", "4")
        + "<cac:Item><cbc:Description>Café en grano tostado</cbc:Description><cbc:Name>Café</cbc:Name>"
        "<cac:SellersItemIdentification><cbc:ID>CAF-1</cbc:ID></cac:SellersItemIdentification>"
        '<cac:StandardItemIdentification><cbc:ID schemeID="0160">04012345678901</cbc:ID>'
        "</cac:StandardItemIdentification>"
        "<cac:OriginCountry><cbc:IdentificationCode>GT</cbc:IdentificationCode></cac:OriginCountry>"
        '<cac:CommodityClassification><cbc:ItemClassificationCode listID="STI">0901</cbc:ItemClassificationCode>'
        "</cac:CommodityClassification>"
        + _category("ClassifiedTaxCategory", "S", "21")
        + "<cac:AdditionalItemProperty><cbc:Name>Altura</cbc:Name><cbc:Value>1500 m</cbc:Value>"
        "</cac:AdditionalItemProperty></cac:Item>"
        '<cac:Price><cbc:PriceAmount currencyID="EUR">12.50</cbc:PriceAmount></cac:Price>'
        f"</cac:{tag}>"
    )
    # 2 x 14.50 = 29.00, plus a line charge of 1.00: 30.00, exempt; the net price is a gross 16.00
    # less a price discount of 1.50.
    second = (
        f'<cac:{tag}><cbc:ID>2</cbc:ID><cbc:{quantity} unitCode="H87">2</cbc:{quantity}>'
        '<cbc:LineExtensionAmount currencyID="EUR">30.00</cbc:LineExtensionAmount>'
        + _allowance(True, "Embalaje", "1.00", "29.00", "3.4483")
        + "<cac:Item><cbc:Name>Taza</cbc:Name>"
        + _category("ClassifiedTaxCategory", "E", "0")
        + '</cac:Item><cac:Price><cbc:PriceAmount currencyID="EUR">14.50</cbc:PriceAmount>'
        '<cbc:BaseQuantity unitCode="H87">1</cbc:BaseQuantity>'
        "<cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator>"
        '<cbc:Amount currencyID="EUR">1.50</cbc:Amount><cbc:BaseAmount currencyID="EUR">16.00</cbc:BaseAmount>'
        f"</cac:AllowanceCharge></cac:Price></cac:{tag}>"
    )
    return first + second


def base_document(credit_note: bool = False) -> bytes:
    """A document the official EN 16931 rules accept with no fatal finding."""
    root = "CreditNote" if credit_note else "Invoice"
    head = (
        "<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>"
        if credit_note
        else "<cbc:DueDate>2024-04-14</cbc:DueDate><cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>"
    )
    # A credit note has no ProjectReference in UBL 2.1: its project is a document reference of type 50.
    project = (
        '<cac:AdditionalDocumentReference><cbc:ID schemeID="ZZZ">PRJ-7</cbc:ID>'
        "<cbc:DocumentTypeCode>50</cbc:DocumentTypeCode></cac:AdditionalDocumentReference>"
        if credit_note
        else ""
    )
    project_reference = "" if credit_note else "<cac:ProjectReference><cbc:ID>PRJ-7</cbc:ID></cac:ProjectReference>"
    due = "<cbc:PaymentDueDate>2024-04-14</cbc:PaymentDueDate>" if credit_note else ""
    xml = (
        f'<{root} xmlns="urn:oasis:names:specification:ubl:schema:xsd:{root}-2" xmlns:cac="{CAC}" xmlns:cbc="{CBC}">'
        "<cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID><cbc:ID>SR-2024-7</cbc:ID>"
        f"<cbc:IssueDate>2024-03-15</cbc:IssueDate>{head}<cbc:Note>#AAI#Pedido urgente</cbc:Note>"
        "<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode><cbc:BuyerReference>B-REF</cbc:BuyerReference>"
        "<cac:InvoicePeriod><cbc:StartDate>2024-03-01</cbc:StartDate><cbc:EndDate>2024-03-31</cbc:EndDate>"
        "<cbc:DescriptionCode>35</cbc:DescriptionCode></cac:InvoicePeriod>"
        "<cac:OrderReference><cbc:ID>PO-1</cbc:ID></cac:OrderReference>"
        "<cac:BillingReference><cac:InvoiceDocumentReference><cbc:ID>SR-2024-1</cbc:ID>"
        "</cac:InvoiceDocumentReference></cac:BillingReference>"
        "<cac:DespatchDocumentReference><cbc:ID>ALB-1</cbc:ID></cac:DespatchDocumentReference>"
        "<cac:ReceiptDocumentReference><cbc:ID>REC-1</cbc:ID></cac:ReceiptDocumentReference>"
        "<cac:OriginatorDocumentReference><cbc:ID>LIC-1</cbc:ID></cac:OriginatorDocumentReference>"
        "<cac:ContractDocumentReference><cbc:ID>CON-1</cbc:ID></cac:ContractDocumentReference>"
        '<cac:AdditionalDocumentReference><cbc:ID schemeID="AAA">OBJ-1</cbc:ID>'
        "<cbc:DocumentTypeCode>130</cbc:DocumentTypeCode></cac:AdditionalDocumentReference>"
        "<cac:AdditionalDocumentReference><cbc:ID>ANX-1</cbc:ID><cbc:DocumentDescription>Hoja de horas"
        '</cbc:DocumentDescription><cac:Attachment><cbc:EmbeddedDocumentBinaryObject mimeCode="application/pdf" '
        'filename="horas.pdf">JVBERi0=</cbc:EmbeddedDocumentBinaryObject></cac:Attachment>'
        "</cac:AdditionalDocumentReference>"
        f"{project}{project_reference}"
        "<cac:AccountingSupplierParty><cac:Party>"
        '<cbc:EndpointID schemeID="0088">8412345000016</cbc:EndpointID>'
        '<cac:PartyIdentification><cbc:ID schemeID="SEPA">ES12ZZZB12345674</cbc:ID></cac:PartyIdentification>'
        "<cac:PartyName><cbc:Name>Café Volcán</cbc:Name></cac:PartyName>"
        f"<cac:PostalAddress>{_address('Madrid', line=True)}</cac:PostalAddress>"
        + _tax_scheme("ESB12345674")
        + _tax_scheme("RI-12345", "LOC")
        + "<cac:PartyLegalEntity><cbc:RegistrationName>Café Volcán de Agua S.L.</cbc:RegistrationName>"
        '<cbc:CompanyID schemeID="0002">B12345674</cbc:CompanyID>'
        "<cbc:CompanyLegalForm>Capital social 3.000 EUR</cbc:CompanyLegalForm></cac:PartyLegalEntity>"
        "</cac:Party></cac:AccountingSupplierParty>"
        "<cac:AccountingCustomerParty><cac:Party>"
        '<cbc:EndpointID schemeID="0088">8498765000017</cbc:EndpointID>'
        '<cac:PartyIdentification><cbc:ID schemeID="0088">8498765000017</cbc:ID></cac:PartyIdentification>'
        "<cac:PartyName><cbc:Name>Tostadores</cbc:Name></cac:PartyName>"
        f"<cac:PostalAddress>{_address('Sevilla')}</cac:PostalAddress>"
        + _tax_scheme("ESA41234567")
        + "<cac:PartyLegalEntity><cbc:RegistrationName>Tostadores del Sur S.A.</cbc:RegistrationName>"
        "<cbc:CompanyID>A41234567</cbc:CompanyID></cac:PartyLegalEntity>"
        "</cac:Party></cac:AccountingCustomerParty>"
        "<cac:PayeeParty><cac:PartyIdentification><cbc:ID>COB-1</cbc:ID></cac:PartyIdentification>"
        "<cac:PartyName><cbc:Name>Cobros Rápidos S.L.</cbc:Name></cac:PartyName>"
        "<cac:PartyLegalEntity><cbc:CompanyID>B87654321</cbc:CompanyID></cac:PartyLegalEntity></cac:PayeeParty>"
        "<cac:TaxRepresentativeParty><cac:PartyName><cbc:Name>Representante Fiscal</cbc:Name></cac:PartyName>"
        f"<cac:PostalAddress>{_address('Bilbao')}</cac:PostalAddress>"
        + _tax_scheme("ESB11111111")
        + "</cac:TaxRepresentativeParty>"
        "<cac:Delivery><cbc:ActualDeliveryDate>2024-03-10</cbc:ActualDeliveryDate>"
        '<cac:DeliveryLocation><cbc:ID schemeID="0088">8498765000024</cbc:ID>'
        f"<cac:Address>{_address('Cádiz')}</cac:Address></cac:DeliveryLocation>"
        "<cac:DeliveryParty><cac:PartyName><cbc:Name>Almacén Sur</cbc:Name></cac:PartyName></cac:DeliveryParty>"
        "</cac:Delivery>"
        f'<cac:PaymentMeans><cbc:PaymentMeansCode name="Transferencia">30</cbc:PaymentMeansCode>{due}'
        "<cbc:PaymentID>PAGO-7</cbc:PaymentID>"
        "<cac:PayeeFinancialAccount><cbc:ID>ES9121000418450200051332</cbc:ID></cac:PayeeFinancialAccount>"
        "</cac:PaymentMeans>"
        "<cac:PaymentTerms><cbc:Note>30 días</cbc:Note></cac:PaymentTerms>"
        + _allowance(False, "Descuento", "10.00", "100.00", "10", _category("TaxCategory", "S", "21"))
        + _allowance(True, "Flete", "5.00", "50.00", "10", _category("TaxCategory", "S", "21"))
        # S: 120.00 - 10.00 + 5.00 = 115.00, VAT 24.15; E: 30.00.
        + '<cac:TaxTotal><cbc:TaxAmount currencyID="EUR">24.15</cbc:TaxAmount>'
        '<cac:TaxSubtotal><cbc:TaxableAmount currencyID="EUR">115.00</cbc:TaxableAmount>'
        '<cbc:TaxAmount currencyID="EUR">24.15</cbc:TaxAmount>'
        + _category("TaxCategory", "S", "21")
        + '</cac:TaxSubtotal><cac:TaxSubtotal><cbc:TaxableAmount currencyID="EUR">30.00</cbc:TaxableAmount>'
        '<cbc:TaxAmount currencyID="EUR">0.00</cbc:TaxAmount>'
        + _category("TaxCategory", "E", "0", reason=True)
        + "</cac:TaxSubtotal></cac:TaxTotal>"
        '<cac:LegalMonetaryTotal><cbc:LineExtensionAmount currencyID="EUR">150.00</cbc:LineExtensionAmount>'
        '<cbc:TaxExclusiveAmount currencyID="EUR">145.00</cbc:TaxExclusiveAmount>'
        '<cbc:TaxInclusiveAmount currencyID="EUR">169.15</cbc:TaxInclusiveAmount>'
        '<cbc:AllowanceTotalAmount currencyID="EUR">10.00</cbc:AllowanceTotalAmount>'
        '<cbc:ChargeTotalAmount currencyID="EUR">5.00</cbc:ChargeTotalAmount>'
        '<cbc:PrepaidAmount currencyID="EUR">10.00</cbc:PrepaidAmount>'
        '<cbc:PayableRoundingAmount currencyID="EUR">0.05</cbc:PayableRoundingAmount>'
        '<cbc:PayableAmount currencyID="EUR">159.20</cbc:PayableAmount></cac:LegalMonetaryTotal>'
        + _line(credit_note)
        + f"</{root}>"
    )
    return xml.encode("utf-8")


def _nodes(root: etree._Element, path: str) -> list[etree._Element]:
    found: list[etree._Element] = root.xpath(path, namespaces=NS)
    if not found:
        raise AssertionError(f"mutation path matches nothing: {path}")
    return found


def fragment(xml: str) -> list[etree._Element]:
    """The elements of an XML fragment written with the cac: and cbc: prefixes."""
    return list(etree.fromstring(f'<w xmlns:cac="{CAC}" xmlns:cbc="{CBC}">{xml}</w>'))


def duplicate(path: str, times: int = 1) -> Mutation:
    """The first node at ``path`` repeated right after itself."""

    def apply(root: etree._Element) -> None:
        node = _nodes(root, path)[0]
        for _ in range(times):
            node.addnext(etree.fromstring(etree.tostring(node)))

    return apply


def remove(path: str) -> Mutation:
    def apply(root: etree._Element) -> None:
        for node in _nodes(root, path):
            parent = node.getparent()
            assert parent is not None
            parent.remove(node)

    return apply


def set_text(path: str, text: str) -> Mutation:
    def apply(root: etree._Element) -> None:
        _nodes(root, path)[0].text = text

    return apply


def set_attribute(path: str, name: str, value: str | None) -> Mutation:
    def apply(root: etree._Element) -> None:
        node = _nodes(root, path)[0]
        if value is None:
            node.attrib.pop(name, None)
        else:
            node.set(name, value)

    return apply


def append(path: str, xml: str) -> Mutation:
    """``xml`` added as the last child of the first node at ``path``."""

    def apply(root: etree._Element) -> None:
        _nodes(root, path)[0].extend(fragment(xml))

    return apply


def prepend(path: str, xml: str) -> Mutation:
    """``xml`` added as the first children of the first node at ``path``."""

    def apply(root: etree._Element) -> None:
        node = _nodes(root, path)[0]
        for element in reversed(fragment(xml)):
            node.insert(0, element)

    return apply


def after(path: str, xml: str) -> Mutation:
    """``xml`` added right after the first node at ``path``."""

    def apply(root: etree._Element) -> None:
        node = _nodes(root, path)[0]
        for element in reversed(fragment(xml)):
            node.addnext(element)

    return apply


def both(*steps: Mutation) -> Mutation:
    def apply(root: etree._Element) -> None:
        for step in steps:
            step(root)

    return apply


def mutated(document: bytes, mutation: Mutation) -> bytes:
    root = etree.fromstring(document)
    mutation(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@dataclass(frozen=True)
class Case:
    """A mutation and every fatal rule id it must raise, official and native alike."""

    mutation: Mutation
    fatal: frozenset[str]
    documents: tuple[bool, ...] = (False, True)  # credit_note values the case applies to
    # The official XSLT stops on an XPath 2.0 type error (another rule applies a one-item function
    # to the repeated element): it gives no verdict, the native rules still report the repetition.
    official_stops: bool = False


def case(
    mutation: Mutation,
    *fatal: str,
    invoice_only: bool = False,
    credit_note_only: bool = False,
    official_stops: bool = False,
) -> Case:
    documents = (False,) if invoice_only else (True,) if credit_note_only else (False, True)
    return Case(mutation, frozenset(fatal), documents, official_stops)


def native_fatal(document: bytes) -> set[str]:
    """The fatal rule ids of every native rule family."""
    ctx = UblContext(etree.fromstring(document))
    return {f.rule for f in run_rules(ctx) if f.severity is Severity.FATAL}
