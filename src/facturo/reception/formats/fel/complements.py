"""The complements a reader needs: ReferenciasNota, the original document of an NCRE or NDEB."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lxml import etree

from facturo.reception.formats.fel.common import REFERENCIA_NOTA_NS, dte, location
from facturo.reception.formats.reading import DocumentReference


@dataclass(frozen=True)
class NoteReference:
    element: etree._Element
    reference: DocumentReference
    # "Antiguo": the original predates FEL, so its number is a resolution, not a UUID.
    old_regime: bool

    @property
    def where(self) -> str:
        return location(self.element)


def _date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def note_references(emission: etree._Element) -> list[NoteReference]:
    """Every ReferenciasNota inside DatosEmision/Complementos."""
    found: list[NoteReference] = []
    for el in emission.iterfind(f"{dte('Complementos')}/{dte('Complemento')}/{{{REFERENCIA_NOTA_NS}}}ReferenciasNota"):
        reference = DocumentReference(
            series=(el.get("SerieDocumentoOrigen") or "").strip() or None,
            number=(el.get("NumeroDocumentoOrigen") or "").strip() or None,
            authorization_uuid=(el.get("NumeroAutorizacionDocumentoOrigen") or "").strip() or None,
            issue_date=_date(el.get("FechaEmisionDocumentoOrigen")),
        )
        found.append(NoteReference(el, reference, el.get("RegimenAntiguo") is not None))
    return found
