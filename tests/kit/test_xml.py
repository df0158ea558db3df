from __future__ import annotations

import hashlib
import io
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree
from stdnum.gt import nit as gt_nit

from facturo.kit.xml import UnsafeXmlError, XmlStream, child_text, iter_children, local_name, parse_untrusted
from tests.conftest import DATA, corpus_path

# Our fixture files (tests/data/README.md): every one but the truncated FEL is well-formed.
FEL_TRUNCATED = DATA / "einvoice" / "fel-sin-firma-truncada.xml"
FEL_DTE = DATA / "einvoice" / "fel-factura.xml"
UBL_INVOICE = DATA / "einvoice" / "ubl-invoice.xml"
FIXTURES = sorted(DATA.glob("*/*.xml"))
WELL_FORMED = [p for p in FIXTURES if p != FEL_TRUNCATED]
# The real files of the outside corpus (../shared/samples), listed by name so that a missing corpus
# shows up as skipped (or failed, under CI=true) tests rather than as no tests at all.
IPC2_SAMPLES = [
    "2s2022_damianpeaf_example_configuracion.xml",
    "2s2022_damianpeaf_example_consumos.xml",
    "2s2022_tavico_grading_configuracion.xml",
    "2s2022_tavico_grading_consumos.xml",
    "2s2025_arreagaaa_OUTPUT_db_after_billing.xml",
    "2s2025_arreagaaa_complejo_configuraciones.xml",
    "2s2025_arreagaaa_complejo_consumos.xml",
]
FEL_NS = "{http://www.sat.gob.gt/dte/fel/0.2.0}"

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz>&lol9;</lolz>
"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<foo>&xxe;</foo>
"""


def test_fixture_files_are_there_and_say_what_they_exercise() -> None:
    assert {p.parent.name for p in FIXTURES} == {"ipc2", "einvoice"}
    assert len(FIXTURES) == 9 and FEL_TRUNCATED in FIXTURES
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    for path in FIXTURES:
        first = path.read_text(encoding="utf-8").split("\n", 1)[0]
        assert first.startswith("<!-- facturo test data (written by us)") and first.endswith("-->"), path.name
        assert f"`{path.parent.name}/{path.name}`" in readme, path.name


def test_billion_laughs_refused() -> None:
    with pytest.raises(UnsafeXmlError) as info:
        parse_untrusted(BILLION_LAUGHS)
    assert info.value.rule == "xml_doctype"
    assert "DOCTYPE" in info.value.reason_es
    assert str(info.value) == info.value.reason_en


def test_external_entity_refused_and_never_read() -> None:
    with pytest.raises(UnsafeXmlError) as info:
        parse_untrusted(XXE)
    assert info.value.rule == "xml_doctype"
    for text in (str(info.value), info.value.reason_es, info.value.reason_en):
        assert "root:" not in text


def test_plain_doctype_refused() -> None:
    with pytest.raises(UnsafeXmlError, match="DOCTYPE"):
        parse_untrusted(b'<?xml version="1.0"?>\n<!DOCTYPE note SYSTEM "note.dtd">\n<note/>')


def test_lowercase_entity_marker_refused_by_prescan() -> None:
    with pytest.raises(UnsafeXmlError) as info:
        parse_untrusted(b"<!doctype x><x/>")
    assert info.value.rule == "xml_doctype"


def test_doctype_in_utf16_refused() -> None:
    with pytest.raises(UnsafeXmlError) as info:
        parse_untrusted(XXE.replace(b' version="1.0"', b' version="1.0" encoding="UTF-16"').decode().encode("utf-16"))
    assert info.value.rule == "xml_doctype"


def test_doctype_after_long_prolog_caught_after_parse() -> None:
    padding = b"<!--" + b"x" * (70 * 1024) + b"-->\n"
    with pytest.raises(UnsafeXmlError) as info:
        parse_untrusted(padding + XXE.split(b"\n", 1)[1])
    assert info.value.rule == "xml_doctype"
    assert "root:" not in str(info.value)


def test_malformed_reports_line_number() -> None:
    doc = b"<a>\n<b>\n</a>\n"
    with pytest.raises(UnsafeXmlError) as info:
        parse_untrusted(doc)
    assert info.value.rule == "xml_malformed"
    assert info.value.reason_es.startswith("XML mal formado en la línea 3:")
    assert info.value.reason_en.startswith("Malformed XML at line 3:")


def test_undefined_entity_is_malformed() -> None:
    with pytest.raises(UnsafeXmlError) as info:
        parse_untrusted(b"<a>&nope;</a>")
    assert info.value.rule == "xml_malformed"


@pytest.mark.parametrize("data", [b"", "", b"   \n", b"\xef\xbb\xbf"])
def test_empty_refused(data: bytes | str) -> None:
    with pytest.raises(UnsafeXmlError) as info:
        parse_untrusted(data)
    assert info.value.rule == "xml_empty"


def test_oversize_refused() -> None:
    doc = b"<a>" + b"x" * 2048 + b"</a>"
    with pytest.raises(UnsafeXmlError) as info:
        parse_untrusted(doc, max_bytes=1024)
    assert info.value.rule == "xml_too_large"
    assert "1 KB" in info.value.reason_es
    assert parse_untrusted(doc, max_bytes=len(doc)).text == "x" * 2048


def test_oversize_message_uses_default_limit() -> None:
    with pytest.raises(UnsafeXmlError) as info:
        parse_untrusted("<a/>" + " " * (20 * 1024 * 1024))
    assert "tamaño máximo de 20 MB" in info.value.reason_es
    assert "20 MB" in info.value.reason_en


def test_utf8_bom_accepted() -> None:
    doc = '<?xml version="1.0" encoding="UTF-8"?><a>Facturación</a>'.encode()
    root = parse_untrusted(b"\xef\xbb\xbf" + doc)
    assert root.text == "Facturación"


def test_latin1_declared_document_keeps_accents() -> None:
    doc = '<?xml version="1.0" encoding="ISO-8859-1"?>\n<cliente><nombre>José Núñez</nombre></cliente>'
    root = parse_untrusted(doc.encode("latin-1"))
    assert child_text(root, "nombre") == "José Núñez"


def test_str_with_encoding_declaration() -> None:
    doc = '<?xml version="1.0" encoding="ISO-8859-1" standalone="yes"?>\n<a>\n<b>Año</b>\n</a>'
    root = parse_untrusted(doc)
    assert child_text(root, "b") == "Año"
    with pytest.raises(UnsafeXmlError, match="line 3"):
        parse_untrusted('<?xml version="1.0" encoding="latin-1"?>\n<a>\n<b></a>')


def test_str_with_bom() -> None:
    assert local_name(parse_untrusted("\ufeff<a/>")) == "a"


def test_local_name_strips_namespace() -> None:
    root = parse_untrusted(
        b'<dte:GTDocumento xmlns:dte="http://www.sat.gob.gt/dte/fel/0.2.0"><!-- c --></dte:GTDocumento>'
    )
    assert local_name(root) == "GTDocumento"
    assert local_name(root[0]) == ""


def test_child_lookup_case_insensitive() -> None:
    root = parse_untrusted(b"<consumo><tiempo> 2.6 </tiempo><fechahora>  15/06/2005 </fechahora><!-- x --></consumo>")
    assert child_text(root, "fechaHora") == "15/06/2005"
    assert child_text(root, "fechaHora", ci=False) is None
    assert child_text(root, "fechahora", ci=False) == "15/06/2005"
    assert child_text(root, "fecha", "TIEMPO") == "2.6"
    assert child_text(root, "nada") is None


def test_child_text_skips_comments_and_keeps_empty() -> None:
    root = parse_untrusted(b"<a><n>12<!-- x -->3</n><e/></a>")
    assert child_text(root, "n") == "123"
    assert child_text(root, "e") == ""


def test_iter_children() -> None:
    root = parse_untrusted(b'<l xmlns="urn:x"><Recurso id="1"/><recurso id="2"/><otro/><RECURSO id="3"/><!-- r --></l>')
    assert [c.get("id") for c in iter_children(root, "recurso")] == ["1", "2", "3"]
    assert [c.get("id") for c in iter_children(root, "recurso", ci=False)] == ["2"]


@pytest.mark.parametrize("path", WELL_FORMED, ids=lambda p: p.name)
def test_our_fixture_files_parse(path: Path) -> None:
    root = parse_untrusted(path.read_bytes())
    assert local_name(root) in {"archivoConfiguraciones", "listadoConsumos", "GTDocumento", "Invoice"}
    assert len(root) > 0


def test_ipc2_consumos_fixture_fields() -> None:
    root = parse_untrusted((DATA / "ipc2" / "aula_consumos.xml").read_bytes())
    first = next(iter_children(root, "consumo"))
    assert first.sourceline == 3  # the comment line and the root come first
    assert first.get("nitCliente") == "2750381-k"
    assert child_text(first, "tiempo") == "2.4"
    assert child_text(first, "FECHAHORA") == "esta es la fecha 18/05/2006"


def test_fel_dte_fields_through_the_namespace() -> None:
    root = parse_untrusted(FEL_DTE.read_bytes())
    assert root.tag == f"{FEL_NS}GTDocumento" and local_name(root) == "GTDocumento"
    emission = root.find(f"{FEL_NS}SAT/{FEL_NS}DTE/{FEL_NS}DatosEmision")
    assert emission is not None
    issuer = next(iter_children(emission, "emisor"))
    nit = issuer.get("NITEmisor")
    assert nit == "45671230" and gt_nit.is_valid(nit)  # 4567123-0
    assert next(iter_children(emission, "Receptor")).get("IDReceptor") == "CF"
    items = list(iter_children(next(iter_children(emission, "Items")), "Item"))
    assert [child_text(item, "Descripcion") for item in items] == ["Pan de manteca", "Pastel de tres leches"]
    totals = [Decimal(child_text(item, "Total") or "") for item in items]
    assert totals == [Decimal("11.20"), Decimal("44.80")]
    grand_total = child_text(next(iter_children(emission, "Totales")), "GranTotal")
    assert Decimal(grand_total or "") == sum(totals) == Decimal("56.00")
    # It was never certified: no signature anywhere.
    assert root.find(".//{http://www.w3.org/2000/09/xmldsig#}Signature") is None


def test_ubl_invoice_fields_through_the_default_namespace() -> None:
    root = parse_untrusted(UBL_INVOICE.read_bytes())
    assert local_name(root) == "Invoice"
    assert etree.QName(root).namespace == "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
    assert (child_text(root, "ID"), child_text(root, "IssueDate")) == ("CV-2024-0042", "2024-03-15")
    lines = list(iter_children(root, "InvoiceLine"))
    amounts = [Decimal(child_text(line, "LineExtensionAmount") or "") for line in lines]
    assert amounts == [Decimal("120.00"), Decimal("30.00")]  # 10 × 12.00 and 2 × 15.00
    total = next(iter_children(root, "LegalMonetaryTotal"))
    assert Decimal(child_text(total, "LineExtensionAmount") or "") == sum(amounts)
    assert child_text(total, "PayableAmount") == "181.50"  # 150.00 + 21 % VAT (31.50)


def test_truncated_fel_refused_as_malformed() -> None:
    with pytest.raises(UnsafeXmlError) as info:
        parse_untrusted(FEL_TRUNCATED.read_bytes())
    assert info.value.rule == "xml_malformed"
    assert info.value.reason_es.startswith("XML mal formado en la línea 48:")
    assert info.value.reason_en.startswith("Malformed XML at line 48:")


# --------------------------------------------------------------------------- the outside corpus


@pytest.mark.corpus
@pytest.mark.parametrize("name", IPC2_SAMPLES)
def test_real_ipc2_samples_parse(name: str) -> None:
    root = parse_untrusted(corpus_path("ipc2", name).read_bytes())
    assert local_name(root)
    assert len(root) > 0


@pytest.mark.corpus
def test_ipc2_consumos_sample_fields() -> None:
    root = parse_untrusted(corpus_path("ipc2", "2s2022_tavico_grading_consumos.xml").read_bytes())
    first = next(iter_children(root, "consumo"))
    assert first.get("nitCliente") == "2019160-k"
    assert child_text(first, "tiempo") == "2.6"
    assert child_text(first, "FECHAHORA") == "esto es la fecha 15/06/2005"


@pytest.mark.corpus
def test_real_truncated_fel_refused_as_malformed() -> None:
    with pytest.raises(UnsafeXmlError) as info:
        parse_untrusted(corpus_path("einvoice", "fel", "fel-FACT-unsigned-truncated.xml").read_bytes())
    assert info.value.rule == "xml_malformed"
    assert "XML mal formado en la línea" in info.value.reason_es


# --- XmlStream: the same rules, read incrementally -------------------------------------------------


def _stream(data: bytes, max_bytes: int = 1_000_000) -> XmlStream:
    return XmlStream(io.BytesIO(data), max_bytes=max_bytes)


def test_stream_yields_each_child_complete_and_then_forgets_it() -> None:
    count = 50_000
    data = b"<lista>" + b"".join(b'<item n="%d"><v>%d</v></item>' % (i, i * 2) for i in range(count)) + b"</lista>"
    stream = _stream(data, max_bytes=len(data))
    root = stream.root()
    seen = []
    held = 0
    for el in stream.completed(1):
        seen.append((el.get("n"), el.findtext("v")))
        held = max(held, len(root))
    assert seen[0] == ("0", "0") and seen[-1] == (str(count - 1), str(2 * (count - 1))) and len(seen) == count
    # The items already read are gone: the tree never holds more than what one read brings in.
    assert held < count // 20 and len(root) <= 1
    assert stream.size == len(data) and stream.sha256 == hashlib.sha256(data).hexdigest()


def test_stream_reads_grandchildren_at_depth_two() -> None:
    data = b"<r><a><x>1</x><x>2</x></a><b><x>3</x></b></r>"
    stream = _stream(data)
    stream.root()
    assert [(el.getparent().tag, el.text) for el in stream.completed(2)] == [("a", "1"), ("a", "2"), ("b", "3")]


def test_stream_refuses_a_file_over_the_cap_as_it_reads() -> None:
    data = b"<lista>" + b"<item>x</item>" * 100_000 + b"</lista>"
    source = io.BytesIO(data)
    stream = XmlStream(source, max_bytes=300_000)
    with pytest.raises(UnsafeXmlError) as refused:
        for _ in stream.completed(1):
            pass
    assert refused.value.rule == "xml_too_large"
    assert source.tell() < 600_000  # it stopped reading soon after the cap, not at the end


def test_stream_refuses_doctype_also_after_a_long_prolog() -> None:
    padding = b"<!--" + b"x" * 70_000 + b"-->"
    with pytest.raises(UnsafeXmlError) as early:
        _stream(b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "b">]><r>&a;</r>').root()
    assert early.value.rule == "xml_doctype"
    with pytest.raises(UnsafeXmlError) as late:
        _stream(b'<?xml version="1.0"?>' + padding + b"<!DOCTYPE r><r><c/></r>").root()
    assert late.value.rule == "xml_doctype"


def test_stream_reports_malformed_xml_with_its_line_even_midway() -> None:
    good = 20_000
    data = b"<lista>\n" + b"<item>ok</item>\n" * good + b"<item>broken</lista>\n"
    read: list[object] = []
    with pytest.raises(UnsafeXmlError) as refused:
        read.extend(_stream(data).completed(1))
    assert 0 < len(read) <= good  # items came before the error was found; the caller writes nothing yet
    assert refused.value.rule == "xml_malformed" and f"line {good + 2}" in refused.value.reason_en


@pytest.mark.parametrize("data", [b"", b"   \n  ", b"\xef\xbb\xbf  "])
def test_stream_refuses_an_empty_file(data: bytes) -> None:
    with pytest.raises(UnsafeXmlError) as refused:
        _stream(data).root()
    assert refused.value.rule == "xml_empty"
