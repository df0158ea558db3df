"""Which format a received file is, told from its content (never its name), and its reading.

XML goes through the hardened parser once; the root element's namespace picks the reader:
FEL DTE (``http://www.sat.gob.gt/dte/fel/0.2.0``), UBL 2.1 Invoice or CreditNote. A file that
starts with ``{`` is facturo JSON. Anything else (an unknown root, not XML or JSON, a refused
file) is read as ``unknown`` with a fatal finding saying why, so it is stored and rejected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from facturo.kit.errors import Msg
from facturo.kit.xml import UnsafeXmlError, parse_untrusted
from facturo.reception.formats.facturo_json import read_facturo_json
from facturo.reception.formats.reading import DocumentFormat, Finding, ReadDocument, Severity

FEL_NAMESPACE = "http://www.sat.gob.gt/dte/fel/0.2.0"
UBL_ROOTS = {
    ("urn:oasis:names:specification:ubl:schema:xsd:Invoice-2", "Invoice"),
    ("urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2", "CreditNote"),
}
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024

_XML_RULES = {
    "xml_empty": "XML-EMPTY",
    "xml_too_large": "FILE-TOO-LARGE",
    "xml_doctype": "XML-DOCTYPE",
    "xml_malformed": "XML-MALFORMED",
}


@dataclass(frozen=True)
class ReadingOptions:
    """What an operator configured: trusted FEL certifier certificates (PEM or DER bytes) turn on
    cryptographic signature verification; an official EN 16931 XSLT adds the official verdict."""

    trusted_certificates: Sequence[bytes] = field(default_factory=tuple)
    # The official EN 16931 XSLT on the operator's disk: its verdict replaces the native one.
    en16931_xslt: Path | None = None


def _rejected(fmt: DocumentFormat, rule: str, es: str, en: str) -> ReadDocument:
    return ReadDocument(fmt, findings=[Finding(rule, Severity.FATAL, "/", Msg(es, en))])


def sniff(data: bytes) -> DocumentFormat:
    """A cheap guess for display and counting, before (or without) parsing."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"{", b"[")):
        return DocumentFormat.JSON
    if head.startswith(b"<"):
        if FEL_NAMESPACE.encode() in head:
            return DocumentFormat.FEL
        if b"urn:oasis:names:specification:ubl:schema:xsd:" in head:
            return DocumentFormat.UBL
    return DocumentFormat.UNKNOWN


def read_document(data: bytes, options: ReadingOptions | None = None) -> ReadDocument:
    """Read one received document: its index fields and every finding. Never raises on content."""
    options = options or ReadingOptions()
    if len(data) > MAX_DOCUMENT_BYTES:
        return _rejected(
            sniff(data),
            "FILE-TOO-LARGE",
            f"El documento pesa {len(data):,} bytes; el máximo es {MAX_DOCUMENT_BYTES:,}.",
            f"The document is {len(data):,} bytes; the limit is {MAX_DOCUMENT_BYTES:,}.",
        )
    guess = sniff(data)
    if guess is DocumentFormat.JSON:
        return read_facturo_json(data)
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped.startswith(b"<"):
        return _rejected(
            DocumentFormat.UNKNOWN,
            "FORMAT-UNKNOWN",
            "El archivo no es XML ni JSON: no es una factura electrónica que facturo reconozca "
            "(FEL DTE, UBL 2.1 o facturo JSON).",
            "The file is neither XML nor JSON: not an e-invoice facturo recognises (FEL DTE, UBL 2.1 or facturo JSON).",
        )
    try:
        root = parse_untrusted(data, max_bytes=MAX_DOCUMENT_BYTES)
    except UnsafeXmlError as error:
        return _rejected(guess, _XML_RULES.get(error.rule, "XML-REFUSED"), error.reason_es, error.reason_en)
    return _read_xml(root, data, options)


def _read_xml(root: etree._Element, data: bytes, options: ReadingOptions) -> ReadDocument:
    qname = etree.QName(root)
    if qname.namespace == FEL_NAMESPACE:
        from facturo.reception.formats.fel.reader import read_fel

        return read_fel(root, data, trusted_certificates=options.trusted_certificates or None)
    if (qname.namespace, qname.localname) in UBL_ROOTS:
        from facturo.reception.formats.ubl.reader import read_ubl

        read = read_ubl(root)
        if options.en16931_xslt is not None:
            from facturo.reception.formats.ubl.official import apply_official, official_rules

            return apply_official(read, data, official_rules(options.en16931_xslt))
        return read
    shown = f"{{{qname.namespace}}}{qname.localname}" if qname.namespace else qname.localname
    return _rejected(
        DocumentFormat.UNKNOWN,
        "FORMAT-UNKNOWN-ROOT",
        f"El elemento raíz {shown} no es de una factura electrónica conocida "
        "(GTDocumento de FEL, Invoice o CreditNote de UBL 2.1).",
        f"The root element {shown} is not a known e-invoice (FEL GTDocumento, UBL 2.1 Invoice or CreditNote).",
    )
