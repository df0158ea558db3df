"""Reading a FEL DTE into the index fields, with every finding of every check.

``read_fel`` takes the root element already parsed by :func:`facturo.kit.xml.parse_untrusted`
and the raw bytes (signatures are verified over the bytes as received). It never raises.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from lxml import etree

from facturo.reception.formats.fel import rules, type_rules
from facturo.reception.formats.fel.certification import check_certification, find_certification
from facturo.reception.formats.fel.common import dte, finding, location, parse_amount, text_of
from facturo.reception.formats.fel.complements import note_references
from facturo.reception.formats.fel.signatures import check_signatures
from facturo.reception.formats.fel.structure import check_structure
from facturo.reception.formats.reading import DocumentFormat, Finding, ReadDocument, Severity

# The Adenda children that hold the issuer's own correlative (the first one found wins).
CORRELATIVE_NAMES = ("Correlativo", "NumeroInterno", "numero_interno")
# ASCII digits only: ``\d`` would also take "１０４５" or "١٠٤٥", which int() reads as 1045, so a
# correlative a person cannot recognise would enter the sequence audit.
_INTEGER = re.compile(r"[0-9]{1,18}")


def _datetime(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        return None


def _date(text: str | None) -> date | None:
    moment = _datetime(text)
    return moment.date() if moment else None


# Index fields are bounded whatever a hostile document holds: an identifier longer than the schema
# allows is not indexed at all (a cut NIT could name another issuer), a name is cut.
IDENTIFIER_MAX = 40
NAME_MAX = 400


def _attr(el: etree._Element | None, name: str, limit: int = IDENTIFIER_MAX) -> str | None:
    if el is None:
        return None
    value = (el.get(name) or "").strip()
    if not value or len(value) > limit:
        return None
    return value


def _name_attr(el: etree._Element | None, name: str) -> str | None:
    value = (el.get(name) or "").strip() if el is not None else ""
    return value[:NAME_MAX] or None


def _identifier(el: etree._Element | None) -> str | None:
    value = text_of(el) or ""
    return value if value and len(value) <= IDENTIFIER_MAX else None


def _correlative(root: etree._Element) -> tuple[int | None, list[Finding]]:
    adenda = root.find(f"{dte('SAT')}/{dte('Adenda')}")
    if adenda is None:
        return None, []
    wanted = {name.casefold() for name in CORRELATIVE_NAMES}
    for el in adenda.iter():
        if not isinstance(el.tag, str) or etree.QName(el).localname.casefold() not in wanted:
            continue
        text = text_of(el) or ""
        if _INTEGER.fullmatch(text):
            return int(text), []
        return None, [
            finding(
                "FEL-ADENDA-CORRELATIVO",
                location(el),
                f"El correlativo del emisor en la Adenda («{text}») no es un número entero; no se indexa.",
                f"The issuer's correlative in the Adenda ('{text}') is not an integer; it is not indexed.",
                Severity.WARNING,
            )
        ]
    return None, []


def _taxable_total(emission: etree._Element) -> Decimal | None:
    values = [
        parse_amount(text_of(el))
        for el in emission.iterfind(
            f"{dte('Items')}/{dte('Item')}/{dte('Impuestos')}/{dte('Impuesto')}/{dte('MontoGravable')}"
        )
    ]
    if not values or any(v is None for v in values):
        return None
    return sum((v for v in values if v is not None), Decimal(0))


def _tax_total(emission: etree._Element) -> Decimal | None:
    values = [
        parse_amount(el.get("TotalMontoImpuesto"))
        for el in emission.iterfind(f"{dte('Totales')}/{dte('TotalImpuestos')}/{dte('TotalImpuesto')}")
    ]
    if any(v is None for v in values):
        return None
    return sum((v for v in values if v is not None), Decimal(0))


def read_fel(root: etree._Element, raw: bytes, *, trusted_certificates: Sequence[bytes] | None = None) -> ReadDocument:
    """The index fields and findings of one FEL DTE.

    Without ``trusted_certificates`` the signatures are checked for presence and structure; with
    them, each signature is also verified cryptographically and its certificate must be one of
    them (PEM or DER).
    """
    doc = ReadDocument(DocumentFormat.FEL)
    try:
        _read(doc, root, raw, trusted_certificates)
    except Exception as exc:
        doc.findings.append(
            finding(
                "FEL-READ-ERROR",
                "/",
                f"El DTE no se pudo leer por completo: {type(exc).__name__}.",
                f"The DTE could not be read completely: {type(exc).__name__}.",
                Severity.FATAL,
            )
        )
    return doc


def _read(doc: ReadDocument, root: etree._Element, raw: bytes, trusted: Sequence[bytes] | None) -> None:
    doc.findings.extend(check_structure(root))
    emission = root.find(f"{dte('SAT')}/{dte('DTE')}/{dte('DatosEmision')}")
    if emission is None:
        doc.findings.extend(check_certification(root))
        return
    general = emission.find(dte("DatosGenerales"))
    issuer = emission.find(dte("Emisor"))
    receiver = emission.find(dte("Receptor"))
    certification = find_certification(root)

    doc.document_type = _attr(general, "Tipo")
    doc.currency = _attr(general, "CodigoMoneda")
    issued = _datetime(_attr(general, "FechaHoraEmision"))
    doc.issue_date = issued.date() if issued else None
    doc.issuer_nit = _attr(issuer, "NITEmisor")
    doc.issuer_name = _name_attr(issuer, "NombreEmisor")
    doc.receiver_id = _attr(receiver, "IDReceptor")
    doc.receiver_name = _name_attr(receiver, "NombreReceptor")
    doc.taxable_total = _taxable_total(emission)
    doc.tax_total = _tax_total(emission)
    doc.total = parse_amount(text_of(emission.find(f"{dte('Totales')}/{dte('GranTotal')}")))
    references = note_references(emission)
    if references:
        doc.reference = references[0].reference
    doc.correlative, adenda_findings = _correlative(root)
    doc.findings.extend(adenda_findings)

    certified: datetime | None = None
    if certification is not None:
        doc.certifier_nit = _identifier(certification.find(dte("NITCertificador")))
        authorization = certification.find(dte("NumeroAutorizacion"))
        doc.authorization_uuid = _identifier(authorization)
        doc.series = _attr(authorization, "Serie")
        doc.number = _attr(authorization, "Numero")
        certified = _datetime(text_of(certification.find(dte("FechaHoraCertificacion"))))
        doc.findings.extend(rules.series_number_rules(certification))
        doc.findings.extend(rules.dates_rules(issued, certified, certification))
        doc.findings.extend(type_rules.delay_rules(issued, certified, certification))

    doc.findings.extend(check_certification(root))
    for item in emission.iterfind(f"{dte('Items')}/{dte('Item')}"):
        doc.findings.extend(rules.item_rules(item))
    doc.findings.extend(rules.totals_rules(emission))
    doc.findings.extend(rules.nit_rules(emission, certification))
    doc.findings.extend(rules.note_rules(doc.document_type, emission, references, issued))
    doc.findings.extend(type_rules.type_rules(doc.document_type, emission))
    if general is not None:
        doc.findings.extend(rules.export_rules(doc.document_type, general, doc.receiver_id))
    doc.findings.extend(check_signatures(root, raw, trusted, certified=certification is not None))
