"""The official GT_Documento 0.2.1 schema as a test oracle, patched in memory for its traps.

Patches (nothing is written to the repository; the patched text goes to a temporary folder):
- the patterns' ``^``/``$``, which XSD reads as literal characters, are removed (anchors);
- ``dte:Adenda`` is declared inside ``dte:SAT`` after ``dte:DTE``, with free content;
- the xmldsig import points at the local copy (no network), and the ReferenciasNota complement
  is imported so that ``xs:any`` (strict) inside ``dte:Complemento`` can validate it.
"""

from __future__ import annotations

from pathlib import Path

import xmlschema

from tests.conftest import reference_path

_XMLDSIG_URL = "http://www.w3.org/TR/2002/REC-xmldsig-core-20020212/xmldsig-core-schema.xsd"
_ADENDA = (
    '<xs:element name="Adenda" minOccurs="0"><xs:complexType><xs:sequence>'
    '<xs:any processContents="skip" minOccurs="0" maxOccurs="unbounded"/>'
    "</xs:sequence></xs:complexType></xs:element>"
)
_NOTE_NS = "http://www.sat.gob.gt/face2/ComplementoReferenciaNota/0.1.0"


def patched_schema_text(folder: Path) -> str:
    text = folder.joinpath("GT_Documento-0.2.1.xsd").read_text(encoding="utf-8-sig")
    text = text.replace('value="^\\S(.*\\S)?$"', 'value="\\S(.*\\S)?"')
    text = text.replace('value="(([1-9])+([0-9])*([0-9]|K))$"', 'value="(([1-9])+([0-9])*([0-9]|K))"')
    text = text.replace("|^([A-Z0-9&amp;%-/#=]{3,18}))$", "|([A-Z0-9&amp;%-/#=]{3,18}))")
    assert '$"' not in text and "|^(" not in text, "a trap pattern was not patched"
    dsig = folder.joinpath("xmldsig-core-schema.xsd").as_uri()
    note = folder.joinpath("GT_Complemento_Referencia_Nota-0.1.0.xsd").as_uri()
    text = text.replace(
        f'schemaLocation="{_XMLDSIG_URL}"/>',
        f'schemaLocation="{dsig}"/><xs:import namespace="{_NOTE_NS}" schemaLocation="{note}"/>',
    )
    # Adenda goes right after dte:DTE closes, which is the only place followed by </xs:sequence>
    # and the ClaseDocumento attribute.
    marker = '<xs:attribute name="ClaseDocumento" use="required">'
    head, sep, tail = text.partition(marker)
    assert sep, "ClaseDocumento not found"
    closing = head.rstrip().rsplit("</xs:sequence>", 1)
    head = closing[0] + _ADENDA + "</xs:sequence>" + closing[1]
    return head + sep + tail


def load_schema(tmp: Path) -> xmlschema.XMLSchema:
    folder = reference_path("fel", "xsd")
    target = tmp / "GT_Documento-0.2.1-patched.xsd"
    target.write_text(patched_schema_text(folder), encoding="utf-8")
    return xmlschema.XMLSchema(str(target), allow="local")
