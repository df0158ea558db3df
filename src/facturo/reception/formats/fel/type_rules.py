"""SAT rules that depend on the document type, the receiver and the phrases, checkable from the
document alone. SAT's ``FEL_INFnnn`` messages are informative: they are warnings here."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from lxml import etree

from facturo.reception.formats.fel.common import dte, finding, location, text_of
from facturo.reception.formats.reading import Finding, Severity

# FEL_RCP106: CodigoProducto (fuel) only on these types.
PRODUCT_CODE_TYPES = frozenset({"FACT", "FCAM", "NCRE", "NDEB"})
# FEL_RCP420: EmisionUbicacionTemporal only on these types.
TEMPORARY_LOCATION_TYPES = frozenset({"FACT", "FCAM", "FPEQ", "FCAP", "RANT", "NCRE", "NDEB"})
# FEL_RCP10: ComplementosItem only on these types.
ITEM_COMPLEMENT_TYPES = frozenset({"FACT", "FCAM", "FPEQ", "FCAP", "NCRE", "NDEB", "CIVA", "CAIS"})
# FEL_RCP436: these types cannot go to CF.
NAMED_RECEIVER_TYPES = frozenset({"NEV", "RANT"})
# FEL_INF300: the catalog's message says five days (its rule text says three); five is what users see.
CERTIFICATION_DELAY = timedelta(days=5)


def _first_items_with(emission: etree._Element, name: str) -> etree._Element | None:
    return emission.find(f"{dte('Items')}/{dte('Item')}/{dte(name)}")


def type_rules(document_type: str | None, emission: etree._Element) -> Iterator[Finding]:
    general = emission.find(dte("DatosGenerales"))
    receiver = emission.find(dte("Receptor"))
    kind = document_type or "?"
    product = _first_items_with(emission, "CodigoProducto")
    if product is not None and document_type not in PRODUCT_CODE_TYPES:
        yield finding(
            "FEL_RCP106",
            location(product),
            f"El código de producto no debe estar presente para el tipo de DTE {kind}.",
            f"The product code must not be present on a {kind} document.",
        )
    temporary = general is not None and general.get("EmisionUbicacionTemporal") is not None
    if general is not None and temporary and document_type not in TEMPORARY_LOCATION_TYPES:
        yield finding(
            "FEL_RCP420",
            location(general, "EmisionUbicacionTemporal"),
            f"La casilla de ubicación temporal no debe estar presente para el tipo de DTE {kind}.",
            f"The temporary-location flag must not be present on a {kind} document.",
        )
    item_complement = _first_items_with(emission, "ComplementosItem")
    if item_complement is not None and document_type not in ITEM_COMPLEMENT_TYPES:
        yield finding(
            "FEL_RCP10",
            location(item_complement),
            f"El tipo de DTE {kind} no puede incluir complemento al ítem.",
            f"A {kind} document cannot carry item complements.",
        )
    if receiver is not None:
        receiver_id = (receiver.get("IDReceptor") or "").strip()
        if receiver_id == "CF" and document_type in NAMED_RECEIVER_TYPES:
            yield finding(
                "FEL_RCP436",
                location(receiver, "IDReceptor"),
                f"El ID Receptor no puede ser CF para el tipo de DTE {kind}.",
                f"The receiver cannot be CF on a {kind} document.",
            )
        if receiver_id == "CF" and document_type == "FESP":
            yield finding(
                "FEL_INF381",
                location(receiver, "IDReceptor"),
                "El ID del Receptor no puede ser CF para una factura especial.",
                "The receiver cannot be CF on a factura especial.",
                Severity.WARNING,
            )
        if (receiver.get("TipoEspecial") or "").strip() == "CUI" and not receiver_id.isdigit():
            yield finding(
                "FEL_RCP307",
                location(receiver, "IDReceptor"),
                f"El CUI del Receptor ({receiver_id}) no es numérico.",
                f"The receiver's CUI ({receiver_id}) is not numeric.",
            )
    yield from _phrase_rules(document_type, emission)
    yield from _tax_presence_rules(emission)


def _phrase_rules(document_type: str | None, emission: etree._Element) -> Iterator[Finding]:
    if document_type == "RANT":
        return
    seen: set[str] = set()
    for phrase in emission.iterfind(f"{dte('Frases')}/{dte('Frase')}"):
        kind = (phrase.get("TipoFrase") or "").strip()
        if kind in seen:
            yield finding(
                "FEL_RCP487",
                location(phrase),
                f"El tipo de frase {kind} solo puede incluirse una vez.",
                f"Phrase type {kind} may appear only once.",
            )
        seen.add(kind)


def _tax_presence_rules(emission: etree._Element) -> Iterator[Finding]:
    for tax in emission.iterfind(f"{dte('Items')}/{dte('Item')}/{dte('Impuestos')}/{dte('Impuesto')}"):
        name = (text_of(tax.find(dte("NombreCorto"))) or "").strip()
        units = tax.find(dte("CantidadUnidadesGravables"))
        if name == "IVA" and units is not None:
            yield finding(
                "FEL_SEC502",
                location(units),
                "Cantidad de Unidades Gravables no debe estar presente para IVA.",
                "CantidadUnidadesGravables must not be present for IVA.",
            )


def delay_rules(issued: datetime | None, certified: datetime | None, at: etree._Element) -> Iterator[Finding]:
    if issued is None or certified is None:
        return
    try:
        late = certified - issued > CERTIFICATION_DELAY
    except TypeError:  # one of them has no offset: they cannot be compared exactly
        return
    if late:
        yield finding(
            "FEL_INF300",
            location(at),
            "La diferencia entre la fecha de emisión y de certificación excede los cinco días.",
            "More than five days passed between issue and certification.",
            Severity.WARNING,
        )
