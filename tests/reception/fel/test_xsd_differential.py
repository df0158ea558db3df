"""Our structural verdict equals the official XSD's (patched for its traps) on our fixtures and on
generated single-fault mutations of them."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import xmlschema
from lxml import etree

from facturo.reception.formats.fel.common import DS_NS, DTE_NS, REFERENCIA_NOTA_NS
from facturo.reception.formats.fel.signatures import MISSING, STRUCTURE, check_signatures
from facturo.reception.formats.fel.structure import check_structure
from tests.conftest import corpus_path
from tests.reception.fel.make_fixtures import FIXTURES, Signer, sign_dte
from tests.reception.fel.xsd_oracle import load_schema

NS = {"dte": DTE_NS, "ds": DS_NS, "cno": REFERENCIA_NOTA_NS}
FIXTURE_NAMES = [
    "fel-fact-certificada.xml",
    "fel-ncre.xml",
    "fel-ndeb.xml",
    "fel-fcam.xml",
    "fel-fpeq.xml",
    "fel-fesp.xml",
]
Mutation = tuple[str, Callable[[etree._Element], None]]


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> xmlschema.XMLSchema:
    return load_schema(Path(tmp_path_factory.mktemp("fel-xsd")))


@pytest.fixture(scope="module")
def documents(issuer_signer: Signer, certifier_signer: Signer) -> dict[str, etree._Element]:
    docs = {
        name: etree.fromstring(sign_dte(FIXTURES.joinpath(name).read_bytes(), issuer_signer, certifier_signer))
        for name in FIXTURE_NAMES
    }
    docs["fel-factura.xml (unsigned)"] = etree.fromstring(FIXTURES.parent.joinpath("fel-factura.xml").read_bytes())
    return docs


def ours_valid(root: etree._Element) -> bool:
    structural = check_structure(root) + [
        f for f in check_signatures(root, b"", None, certified=False) if f.rule in (MISSING, STRUCTURE)
    ]
    return not structural


def _set(xpath: str, attr: str | None, value: str) -> Callable[[etree._Element], None]:
    def apply(root: etree._Element) -> None:
        for el in root.xpath(xpath, namespaces=NS)[:1]:
            if attr is None:
                el.text = value
            else:
                el.set(attr, value)

    return apply


def _delete_attr(xpath: str, attr: str) -> Callable[[etree._Element], None]:
    def apply(root: etree._Element) -> None:
        for el in root.xpath(xpath, namespaces=NS)[:1]:
            el.attrib.pop(attr, None)

    return apply


def _delete_element(path: str) -> Callable[[etree._Element], None]:
    def apply(root: etree._Element) -> None:
        el = root.getroottree().xpath(path, namespaces=NS)[0]
        el.getparent().remove(el)

    return apply


def _insert(xpath: str, tag: str) -> Callable[[etree._Element], None]:
    def apply(root: etree._Element) -> None:
        for el in root.xpath(xpath, namespaces=NS)[:1]:
            etree.SubElement(el, tag)

    return apply


VALUE_FAULTS: list[tuple[str, str | None, list[str]]] = [
    ("//dte:DatosGenerales", "Tipo", ["FACA", "fact", "XXXX", "FCAP"]),
    ("//dte:DatosGenerales", "CodigoMoneda", ["XYZ", "gtq", "USD"]),
    (
        "//dte:DatosGenerales",
        "FechaHoraEmision",
        ["2024-13-01T00:00:00-06:00", "2024-02-30T10:00:00", "10/05/2024", "2024-05-10"],
    ),
    ("//dte:DatosGenerales", "Exp", ["NO"]),
    ("//dte:DatosGenerales", "NumeroAcceso", ["99999999", "100000000"]),
    ("//dte:Emisor", "AfiliacionIVA", ["AGR", "gen", "EXE"]),
    ("//dte:Emisor", "NITEmisor", ["0123", "12-3", "CF", "1234567890123K"]),
    ("//dte:Emisor", "CodigoEstablecimiento", ["0", "10000", "abc"]),
    ("//dte:Emisor", "NombreEmisor", [""]),
    ("//dte:Emisor", "CorreoEmisor", ["no es correo", "a@b.example;c@d.example"]),
    ("//dte:Receptor", "IDReceptor", ["cf", "C", "ABC123", "1234-5"]),
    ("//dte:Receptor", "TipoEspecial", ["DPI", "EXT"]),
    ("//dte:Frase", "TipoFrase", ["13", "0"]),
    ("//dte:Frase", "CodigoEscenario", ["100", "x"]),
    ("//dte:Item", "NumeroLinea", ["0", "10000"]),
    ("//dte:Item", "BienOServicio", ["X", "BS"]),
    ("//dte:Cantidad", None, ["1.12345678901", "-1", "1,5", "1.1234567890", "abc"]),
    ("//dte:PrecioUnitario", None, ["1e3", ""]),
    ("//dte:Precio", None, ["12345678901234567890123", "00000000000000000000001.5"]),
    ("//dte:MontoGravable", None, ["-0.5"]),
    ("//dte:NombreCorto", None, ["IVAX", "PETROLEO"]),
    ("//dte:CodigoUnidadGravable", None, ["0", "12345678"]),
    ("//dte:TotalImpuesto", "NombreCorto", ["IVAX"]),
    ("//dte:TotalImpuesto", "TotalMontoImpuesto", ["1.2.3"]),
    ("//dte:GranTotal", None, ["  215.5  ", "-3"]),
    ("//dte:CodigoPostal", None, ["abc", "-01001"]),
    ("//dte:Pais", None, ["gt", "GTM"]),
    ("//dte:NITCertificador", None, ["0812", "8123456-2"]),
    ("//dte:NumeroAutorizacion", None, ["7a3c91e2-4b5d-4e6f-8a90-1b2c3d4e5f60", "123"]),
    ("//dte:NumeroAutorizacion", "Numero", ["0", "1234567890123456"]),
    ("//dte:NumeroAutorizacion", "Serie", ["", "123456789012345678901"]),
    (
        "//dte:FechaHoraCertificacion",
        None,
        ["2024-05-10T09:15:30-05:00", "2024-05-10T09:15:30", "2024-05-10T09:15:30Z"],
    ),
    ("/dte:GTDocumento", "Version", ["0.2", "0.10"]),
    ("//dte:SAT", "ClaseDocumento", ["DTE"]),
    ("//dte:DTE", "ID", ["Otro"]),
    ("//dte:DatosEmision", "ID", ["Otro"]),
    ("//cno:ReferenciasNota", "FechaEmisionDocumentoOrigen", ["2024-5-10", "10/05/2024"]),
    ("//cno:ReferenciasNota", "NumeroAutorizacionDocumentoOrigen", ["nada", "2019-1-12-345"]),
    ("//cno:ReferenciasNota", "RegimenAntiguo", ["Nuevo"]),
]


def mutations(root: etree._Element) -> Iterator[Mutation]:
    tree = root.getroottree()
    for el in root.iter():
        if not isinstance(el.tag, str) or el is root or el.tag == f"{{{DS_NS}}}Signature":
            continue
        if any(ancestor.tag == f"{{{DS_NS}}}Signature" for ancestor in el.iterancestors()):
            continue
        path = tree.getpath(el)
        yield f"delete {path}", _delete_element(path)
        for attr in el.attrib:
            yield f"delete {path}/@{attr}", _delete_attr(path, attr)
    for xpath, attr, values in VALUE_FAULTS:
        if root.xpath(xpath, namespaces=NS):
            for value in values:
                yield f"{xpath}/{'@' + attr if attr else 'text()'} = {value!r}", _set(xpath, attr, value)
    yield "unexpected element in Items", _insert("//dte:Items", f"{{{DTE_NS}}}Foo")
    yield "element inside a simple element", _insert("//dte:GranTotal", f"{{{DTE_NS}}}Foo")
    yield "unexpected attribute", _set("//dte:Emisor", "Foo", "1")
    yield "text inside Items", _set("//dte:Items", None, "texto")
    yield "a second Totales", _insert("//dte:DatosEmision", f"{{{DTE_NS}}}Totales")


def test_fixtures_agree_with_the_xsd(schema: xmlschema.XMLSchema, documents: dict[str, etree._Element]) -> None:
    verdicts = {name: (ours_valid(root), schema.is_valid(root)) for name, root in documents.items()}
    assert all(ours == official for ours, official in verdicts.values()), verdicts
    assert [name for name, (ours, _) in verdicts.items() if not ours] == ["fel-factura.xml (unsigned)"]


def _disagreements(schema: xmlschema.XMLSchema, documents: dict[str, etree._Element]) -> tuple[list[str], int, int]:
    disagreements: list[str] = []
    checked = invalid = 0
    for name, root in documents.items():
        for label, mutate in mutations(root):
            mutated = copy.deepcopy(root)
            mutate(mutated)
            ours, official = ours_valid(mutated), schema.is_valid(mutated)
            checked += 1
            invalid += not official
            if ours != official:
                verdicts = f"ours={'valid' if ours else 'invalid'}, xsd={'valid' if official else 'invalid'}"
                disagreements.append(f"{name}: {label}: {verdicts}")
    return disagreements, checked, invalid


def test_single_fault_mutations_agree_with_the_xsd(
    schema: xmlschema.XMLSchema, documents: dict[str, etree._Element]
) -> None:
    disagreements, checked, invalid = _disagreements(schema, documents)
    assert disagreements == []
    print(f"{checked} mutations, {invalid} invalid for the XSD")
    assert checked >= 100
    assert invalid >= 100


@pytest.mark.corpus
def test_the_sat_sample_and_its_mutations_agree_with_the_xsd(schema: xmlschema.XMLSchema) -> None:
    raw = corpus_path("einvoice", "fel", "fel-FACT-certified-SAT-signed.xml").read_bytes()
    root = etree.fromstring(raw)
    assert ours_valid(root) and schema.is_valid(root)
    disagreements, checked, _ = _disagreements(schema, {"SAT sample": root})
    assert disagreements == []
    assert checked >= 100
