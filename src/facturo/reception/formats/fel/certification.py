"""Only certified DTEs are fiscal documents: the certifier's ``dte:Certificacion`` must be there."""

from __future__ import annotations

from lxml import etree

from facturo.reception.formats.fel.common import dte, finding, location, text_of
from facturo.reception.formats.reading import Finding, Severity

RULE = "FEL-NOT-CERTIFIED"
REQUIRED = ("NITCertificador", "NombreCertificador", "NumeroAutorizacion", "FechaHoraCertificacion")


def find_certification(root: etree._Element) -> etree._Element | None:
    return root.find(f"{dte('SAT')}/{dte('DTE')}/{dte('Certificacion')}")


def check_certification(root: etree._Element) -> list[Finding]:
    """A rejecting finding when the DTE was not certified (or its certification is incomplete)."""
    certification = find_certification(root)
    if certification is None:
        dte_el = root.find(f"{dte('SAT')}/{dte('DTE')}")
        where = location(dte_el if dte_el is not None else root)
        return [
            finding(
                RULE,
                where,
                "El DTE no está certificado (falta dte:Certificacion): solo un DTE certificado es un documento fiscal.",
                "The DTE is not certified (dte:Certificacion is missing): only a certified DTE is a fiscal document.",
                Severity.FATAL,
            )
        ]
    missing = [name for name in REQUIRED if not text_of(certification.find(dte(name)))]
    if missing:
        names = ", ".join(missing)
        return [
            finding(
                RULE,
                location(certification),
                f"La certificación está incompleta: falta {names}.",
                f"The certification is incomplete: {names} missing.",
                Severity.FATAL,
            )
        ]
    return []
