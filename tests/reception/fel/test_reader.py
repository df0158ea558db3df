"""read_fel over our own fixtures: index fields, exact rule ids, certification and signatures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from facturo.kit.xml import UnsafeXmlError, parse_untrusted
from facturo.reception.formats.fel import read_fel
from facturo.reception.formats.fel.rules import derive_series_number
from facturo.reception.formats.fel.tolerance import matches
from facturo.reception.formats.reading import DocumentReference, ReadDocument, Severity
from tests.reception.fel.make_fixtures import FIXTURES, Signer, fixture_bytes, make_signer, sign_dte


def read(raw: bytes, trusted: list[bytes] | None = None) -> ReadDocument:
    return read_fel(parse_untrusted(raw), raw, trusted_certificates=trusted)


def rules(doc: ReadDocument) -> list[str]:
    return sorted(f.rule for f in doc.findings)


@pytest.fixture
def signed_fact(issuer_signer: Signer, certifier_signer: Signer) -> bytes:
    return sign_dte(fixture_bytes("fel-fact-certificada.xml"), issuer_signer, certifier_signer)


def signed(name: str, issuer: Signer, certifier: Signer, *replacements: tuple[str, str]) -> bytes:
    text = fixture_bytes(name).decode()
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    return sign_dte(text.encode(), issuer, certifier)


def test_certified_fact_index_fields(signed_fact: bytes) -> None:
    doc = read(signed_fact)
    assert doc.findings == []
    assert doc.valid
    assert (doc.document_type, doc.issuer_nit, doc.issuer_name) == (
        "FACT",
        "50123459",
        "DISTRIBUIDORA EL QUETZAL",
    )
    assert (doc.receiver_id, doc.receiver_name) == ("33098719", "FERRETERIA SAN MIGUEL")
    assert (doc.series, doc.number) == ("7A3C91E2", "1264406127")
    assert doc.authorization_uuid == "7A3C91E2-4B5D-4E6F-8A90-1B2C3D4E5F60"
    assert doc.certifier_nit == "81234562"
    assert doc.issue_date == date(2024, 5, 10)
    assert doc.currency == "GTQ"
    assert doc.taxable_total == Decimal("191.964286")
    assert doc.tax_total == Decimal("23.035714")
    assert doc.total == Decimal("215.000000")
    assert doc.correlative == 1045
    assert doc.reference is None


def test_verification_accepts_when_both_certificates_are_trusted(
    signed_fact: bytes, issuer_signer: Signer, certifier_signer: Signer
) -> None:
    # The issuer's signature is XAdES (like SAT's sample), the certifier's plain XMLDSig: both paths run.
    assert signed_fact.count(b"QualifyingProperties ") == 1
    doc = read(signed_fact, [issuer_signer.pem, certifier_signer.der])
    assert doc.findings == []


def test_one_byte_changed_after_signing_is_rejected(
    signed_fact: bytes, issuer_signer: Signer, certifier_signer: Signer
) -> None:
    altered = signed_fact.replace(b"Carretilla de metal", b"Carretilla de metaL")
    assert len(altered) == len(signed_fact) and altered != signed_fact
    trusted = [issuer_signer.pem, certifier_signer.pem]
    doc = read(altered, trusted)
    # Both signatures cover the item (DatosCertificados holds DatosEmision).
    assert rules(doc) == ["FEL-SIGNATURE-INVALID", "FEL-SIGNATURE-INVALID"]
    assert all("Digest mismatch" in f.message.en for f in doc.findings)
    assert not doc.valid
    # Without verification the same bytes are structurally fine.
    assert read(altered).findings == []


def test_a_certificate_outside_the_trusted_set_is_rejected(signed_fact: bytes, issuer_signer: Signer) -> None:
    stranger = make_signer("99999999")
    doc = read(signed_fact, [stranger.pem, issuer_signer.pem])
    assert rules(doc) == ["FEL-SIGNATURE-UNTRUSTED"]
    assert "CN=81234562" in doc.findings[0].message.en
    assert doc.findings[0].location == "/dte:GTDocumento/ds:Signature[2]"


def test_ncre_names_its_original(issuer_signer: Signer, certifier_signer: Signer) -> None:
    doc = read(signed("fel-ncre.xml", issuer_signer, certifier_signer))
    assert doc.findings == []
    assert doc.document_type == "NCRE"
    assert (doc.series, doc.number) == ("0F1E2D3C", "2780186568")
    assert doc.total == Decimal("25.000000") and doc.tax_total == Decimal("2.678571")
    assert doc.reference == DocumentReference(
        series="7A3C91E2",
        number="1264406127",
        authorization_uuid="7A3C91E2-4B5D-4E6F-8A90-1B2C3D4E5F60",
        issue_date=date(2024, 5, 10),
    )


def test_ndeb_names_its_original(issuer_signer: Signer, certifier_signer: Signer) -> None:
    doc = read(signed("fel-ndeb.xml", issuer_signer, certifier_signer))
    assert doc.findings == []
    assert (doc.document_type, doc.total, doc.tax_total) == ("NDEB", Decimal("11.200000"), Decimal("1.200000"))
    assert doc.reference is not None and doc.reference.number == "1264406127"


def test_a_note_without_referencias_nota_is_rejected(issuer_signer: Signer, certifier_signer: Signer) -> None:
    text = fixture_bytes("fel-ncre.xml").decode()
    start, end = text.index("        <dte:Complementos>"), text.index("</dte:Complementos>\n") + 20
    doc = read(sign_dte((text[:start] + text[end:]).encode(), issuer_signer, certifier_signer))
    assert rules(doc) == ["FEL_RCP119"]
    assert doc.reference is None


def test_a_note_whose_original_series_does_not_match_its_uuid(issuer_signer: Signer, certifier_signer: Signer) -> None:
    raw = signed(
        "fel-ncre.xml",
        issuer_signer,
        certifier_signer,
        ('NumeroDocumentoOrigen="1264406127"', 'NumeroDocumentoOrigen="17"'),
    )
    assert rules(read(raw)) == ["FEL-REF-SERIE-NUMERO"]


def test_a_referencias_nota_on_a_fact_does_not_belong(issuer_signer: Signer, certifier_signer: Signer) -> None:
    raw = signed("fel-ncre.xml", issuer_signer, certifier_signer, ('Tipo="NCRE"', 'Tipo="FACT"'))
    assert rules(read(raw)) == ["FEL_RCP120"]


@pytest.mark.parametrize(
    ("name", "kind", "issuer", "receiver", "total", "tax_total"),
    [
        ("fel-fcam.xml", "FCAM", "24608130", "10493573", "112.000000", "12.000000"),
        ("fel-fpeq.xml", "FPEQ", "77889908", "CF", "50.000000", "0"),
        ("fel-fesp.xml", "FESP", "66543215", "2546738050101", "89.600000", "9.600000"),
    ],
)
def test_other_document_types(
    name: str,
    kind: str,
    issuer: str,
    receiver: str,
    total: str,
    tax_total: str,
    issuer_signer: Signer,
    certifier_signer: Signer,
) -> None:
    doc = read(signed(name, issuer_signer, certifier_signer))
    assert doc.findings == []
    assert (doc.document_type, doc.issuer_nit, doc.receiver_id) == (kind, issuer, receiver)
    assert (doc.total, doc.tax_total) == (Decimal(total), Decimal(tax_total))


def test_fesp_with_a_wrong_cui_check_digit(issuer_signer: Signer, certifier_signer: Signer) -> None:
    raw = signed(
        "fel-fesp.xml", issuer_signer, certifier_signer, ('IDReceptor="2546738050101"', 'IDReceptor="2546738150101"')
    )
    assert rules(read(raw)) == ["FEL_RCP308"]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("<dte:PrecioUnitario>25.00<", "<dte:PrecioUnitario>25.01<", ["FEL_RCP313"]),
        ("<dte:MontoGravable>66.964286<", "<dte:MontoGravable>66.974286<", ["FEL_RCP226", "FEL_RCP331"]),
        ("<dte:MontoImpuesto>8.035714<", "<dte:MontoImpuesto>8.045714<", ["FEL_RCP331", "FEL_RCP332"]),
        ('TotalMontoImpuesto="23.035714"', 'TotalMontoImpuesto="23.035720"', ["FEL_RCP332"]),
        ("<dte:Total>75.000000<", "<dte:Total>75.500000<", ["FEL_RCP348", "FEL_RCP349"]),
        ("<dte:GranTotal>215.000000<", "<dte:GranTotal>215.010000<", ["FEL_RCP349"]),
        ("<dte:Descuento>10.000000<", "<dte:Descuento>160.000000<", None),
        ('Serie="7A3C91E2"', 'Serie="7A3C91E3"', ["FEL_RCP366"]),
        ('Numero="1264406127"', 'Numero="1264406128"', ["FEL_RCP367"]),
        ('NITEmisor="50123459"', 'NITEmisor="50123458"', ["FEL-NIT-EMISOR"]),
        ('IDReceptor="33098719"', 'IDReceptor="33098710"', ["FEL-NIT-RECEPTOR"]),
        ("<dte:NITCertificador>81234562<", "<dte:NITCertificador>81234563<", ["FEL-NIT-CERTIFICADOR"]),
        ('Tipo="FACT"', 'Tipo="FACA"', ["FEL_GEN102"]),
        (
            "<dte:FechaHoraCertificacion>2024-05-10T09:15:30",
            "<dte:FechaHoraCertificacion>2024-04-10T09:15:30",
            ["FEL_RCP301"],
        ),
        ('Tipo="FACT"', 'Exp="SI" Tipo="FACT"', ["FEL_RCP311"]),
    ],
)
def test_business_rules_fire_with_their_sat_ids(
    old: str, new: str, expected: list[str] | None, issuer_signer: Signer, certifier_signer: Signer
) -> None:
    doc = read(signed("fel-fact-certificada.xml", issuer_signer, certifier_signer, (old, new)))
    if expected is None:  # a discount above the price breaks several rules at once
        assert "FEL_RCP314" in rules(doc)
    else:
        assert rules(doc) == expected
    assert not doc.valid
    assert all(f.location.startswith("/dte:GTDocumento") for f in doc.findings)
    assert all(f.message.es and f.message.en for f in doc.findings)


def test_receiver_cf_needs_no_nit(issuer_signer: Signer, certifier_signer: Signer) -> None:
    raw = signed(
        "fel-fact-certificada.xml", issuer_signer, certifier_signer, ('IDReceptor="33098719"', 'IDReceptor="CF"')
    )
    assert read(raw).findings == []


def test_a_non_integer_correlative_is_a_warning(issuer_signer: Signer, certifier_signer: Signer) -> None:
    raw = signed("fel-fact-certificada.xml", issuer_signer, certifier_signer, (">1045<", ">FM-1045<"))
    doc = read(raw)
    assert doc.correlative is None
    assert [(f.rule, f.severity) for f in doc.findings] == [("FEL-ADENDA-CORRELATIVO", Severity.WARNING)]
    assert doc.valid


@pytest.mark.parametrize("written", ["１０４５", "١٠٤٥", "+1045", "1 045"])
def test_a_correlative_in_other_than_ascii_digits_is_not_a_number(
    issuer_signer: Signer, certifier_signer: Signer, written: str
) -> None:
    raw = signed("fel-fact-certificada.xml", issuer_signer, certifier_signer, (">1045<", f">{written}<"))
    doc = read(raw)
    assert doc.correlative is None
    assert [f.rule for f in doc.findings] == ["FEL-ADENDA-CORRELATIVO"]


def test_the_correlative_is_the_adendas_never_serie_or_numero(issuer_signer: Signer, certifier_signer: Signer) -> None:
    # Without a correlative in the Adenda there is none: Numero (from the UUID) is not one.
    raw = signed(
        "fel-fact-certificada.xml",
        issuer_signer,
        certifier_signer,
        ("<dte:Correlativo>1045</dte:Correlativo>", "<dte:Turno>2</dte:Turno>"),
    )
    doc = read(raw)
    assert (doc.series, doc.number, doc.correlative) == ("7A3C91E2", "1264406127", None)
    # NumeroInterno is read as well, wherever it sits inside the Adenda, whatever its namespace.
    nested = signed(
        "fel-fact-certificada.xml",
        issuer_signer,
        certifier_signer,
        (
            "<dte:Correlativo>1045</dte:Correlativo>",
            "<x:Datos xmlns:x='urn:x'><x:NumeroInterno>77</x:NumeroInterno></x:Datos>",
        ),
    )
    assert read(nested).correlative == 77


def test_the_uncertified_fixture_is_rejected() -> None:
    doc = read(FIXTURES.parent.joinpath("fel-factura.xml").read_bytes())
    assert rules(doc) == ["FEL-NOT-CERTIFIED", "FEL-SIGNATURE-MISSING"]
    assert doc.findings[0].severity is Severity.FATAL
    assert (doc.issuer_nit, doc.total, doc.tax_total) == ("45671230", Decimal("56.00"), Decimal("6.00"))
    assert doc.series is None and doc.authorization_uuid is None


def test_the_truncated_fixture_is_refused_by_the_parser() -> None:
    with pytest.raises(UnsafeXmlError) as refused:
        parse_untrusted(FIXTURES.parent.joinpath("fel-sin-firma-truncada.xml").read_bytes())
    assert refused.value.rule == "xml_malformed"


def test_a_signature_pointing_at_a_missing_id(signed_fact: bytes) -> None:
    raw = signed_fact.replace(b'URI="#DatosCertificados"', b'URI="#Otro"', 1)
    assert rules(read(raw)) == ["FEL-SIGNATURE-STRUCTURE", "FEL_GEN103"]


def test_series_and_number_from_the_uuid() -> None:
    assert derive_series_number("D412A347-9720-44C0-A9CC-FDE068F0A2E7") == ("D412A347", "2535474368")
    assert derive_series_number("not-a-uuid") is None


@pytest.mark.parametrize(
    ("declared", "computed", "operations", "ok"),
    [
        ("89.29", "89.2857142", 3, True),  # written to centavos: half a centavo
        ("89.30", "89.2857142", 3, False),
        ("89.285714", "89.2857142", 3, True),
        ("89.285710", "89.2857142", 3, False),
        ("100", "100.004", 2, True),  # an integer counts as written with 2 decimals
        ("100", "100.006", 2, False),
    ],
)
def test_tolerance(declared: str, computed: str, operations: int, ok: bool) -> None:
    assert matches(Decimal(declared), declared, Decimal(computed), operations) is ok


def test_two_decimal_figures_rounded_at_the_edge(issuer_signer: Signer, certifier_signer: Signer) -> None:
    # 0.14 / 1.12 = 0.125 exactly: MontoGravable 0.13 (half up), MontoImpuesto 0.14 - 0.13 = 0.01,
    # while 0.13 x 12 % = 0.0156. The taxable amount's own rounding carries 12 % x 0.005 into the
    # tax, so this is accepted (a 0.005 tolerance alone would refuse it).
    replacements = (
        ("<dte:Cantidad>2<", "<dte:Cantidad>1<"),
        ("<dte:PrecioUnitario>56.00<", "<dte:PrecioUnitario>0.14<"),
        ("<dte:Precio>112.000000<", "<dte:Precio>0.14<"),
        ("<dte:MontoGravable>100.000000<", "<dte:MontoGravable>0.13<"),
        ("<dte:MontoImpuesto>12.000000<", "<dte:MontoImpuesto>0.01<"),
        ('TotalMontoImpuesto="12.000000"', 'TotalMontoImpuesto="0.01"'),
        ("<dte:Total>112.000000<", "<dte:Total>0.14<"),
        ("<dte:GranTotal>112.000000<", "<dte:GranTotal>0.14<"),
    )
    doc = read(signed("fel-fcam.xml", issuer_signer, certifier_signer, *replacements))
    assert doc.findings == []
    assert (doc.total, doc.tax_total, doc.taxable_total) == (Decimal("0.14"), Decimal("0.01"), Decimal("0.13"))


HOSTILE = (
    '<dte:GTDocumento xmlns:dte="http://www.sat.gob.gt/dte/fel/0.2.0" Version="0.1"><dte:SAT ClaseDocumento="dte">'
    '<dte:DTE ID="DatosCertificados"><dte:DatosEmision ID="DatosEmision"><dte:Items><dte:Item BienOServicio="B" '
    'NumeroLinea="{big}"><dte:Cantidad>{big}</dte:Cantidad><dte:PrecioUnitario>{big}.5</dte:PrecioUnitario>'
    "<dte:Precio>0</dte:Precio><dte:Total>{big}</dte:Total></dte:Item></dte:Items><dte:Totales>"
    "<dte:GranTotal>{big}</dte:GranTotal></dte:Totales></dte:DatosEmision></dte:DTE></dte:SAT></dte:GTDocumento>"
)


def test_hostile_numbers_become_findings_not_errors() -> None:
    raw = HOSTILE.format(big="9" * 1_000_001).encode()
    doc = read(raw)
    found = rules(doc)
    assert "FEL-READ-ERROR" not in found
    assert set(found) == {"FEL_GEN102", "FEL-NOT-CERTIFIED", "FEL-SIGNATURE-MISSING"}
    assert doc.total is None


def test_a_document_that_is_not_a_gtdocumento() -> None:
    raw = b'<dte:GTAnulacionDocumento xmlns:dte="http://www.sat.gob.gt/dte/fel/0.2.0"/>'
    doc = read(raw)
    assert rules(doc) == ["FEL-NOT-CERTIFIED", "FEL_GEN102"]
    assert "dte:GTDocumento" in doc.findings[0].message.en or "dte:GTDocumento" in doc.findings[1].message.en


@pytest.mark.parametrize(
    ("name", "old", "new", "expected"),
    [
        ("fel-fesp.xml", 'IDReceptor="2546738050101"', 'IDReceptor="25467380501AB"', ["FEL_RCP307"]),
        ("fel-fcam.xml", "<dte:Cantidad>", "<dte:CodigoProducto>GALSUPER</dte:CodigoProducto><dte:Cantidad>", []),
        (
            "fel-fpeq.xml",
            "<dte:Cantidad>",
            "<dte:CodigoProducto>GALSUPER</dte:CodigoProducto><dte:Cantidad>",
            ["FEL_RCP106"],
        ),
        ("fel-fesp.xml", 'Tipo="FESP"', 'EmisionUbicacionTemporal="SI" Tipo="FESP"', ["FEL_RCP420"]),
        ("fel-fpeq.xml", 'Tipo="FPEQ"', 'Tipo="NEV"', ["FEL_RCP436"]),
        (
            "fel-fact-certificada.xml",
            '<dte:Frase CodigoEscenario="1" TipoFrase="1"/>',
            '<dte:Frase CodigoEscenario="1" TipoFrase="1"/><dte:Frase CodigoEscenario="2" TipoFrase="1"/>',
            ["FEL_RCP487"],
        ),
        (
            "fel-fact-certificada.xml",
            "<dte:MontoGravable>66.964286</dte:MontoGravable>",
            "<dte:MontoGravable>66.964286</dte:MontoGravable><dte:CantidadUnidadesGravables>3</dte:CantidadUnidadesGravables>",
            ["FEL_SEC502"],
        ),
    ],
)
def test_document_type_rules(
    name: str, old: str, new: str, expected: list[str], issuer_signer: Signer, certifier_signer: Signer
) -> None:
    assert rules(read(signed(name, issuer_signer, certifier_signer, (old, new)))) == expected


def test_informative_messages_are_warnings(issuer_signer: Signer, certifier_signer: Signer) -> None:
    raw = signed(
        "fel-fesp.xml",
        issuer_signer,
        certifier_signer,
        ('IDReceptor="2546738050101"', 'IDReceptor="CF"'),
        ('TipoEspecial="CUI"', ""),
        ("<dte:FechaHoraCertificacion>2024-07-01T10:00:03", "<dte:FechaHoraCertificacion>2024-07-08T10:00:03"),
    )
    doc = read(raw)
    assert [(f.rule, f.severity) for f in doc.findings] == [
        ("FEL_INF300", Severity.WARNING),
        ("FEL_INF381", Severity.WARNING),
    ]
    assert doc.valid


def test_detection_reads_fel_and_passes_the_trusted_certificates(
    signed_fact: bytes, issuer_signer: Signer, certifier_signer: Signer
) -> None:
    from facturo.reception.formats.detect import ReadingOptions, read_document
    from facturo.reception.formats.reading import DocumentFormat

    assert read_document(signed_fact).format is DocumentFormat.FEL
    assert read_document(signed_fact).valid
    altered = signed_fact.replace(b"Cemento gris", b"Cemento gros")
    assert read_document(altered).valid  # structure only by default
    options = ReadingOptions(trusted_certificates=(issuer_signer.pem, certifier_signer.pem))
    assert rules(read_document(altered, options)) == ["FEL-SIGNATURE-INVALID", "FEL-SIGNATURE-INVALID"]


def test_index_fields_stay_bounded(issuer_signer: Signer, certifier_signer: Signer) -> None:
    raw = signed(
        "fel-fact-certificada.xml",
        issuer_signer,
        certifier_signer,
        ('NITEmisor="50123459"', f'NITEmisor="{"5" * 500}"'),
        ('NombreEmisor="DISTRIBUIDORA EL QUETZAL"', f'NombreEmisor="{"Q" * 5000}"'),
    )
    doc = read(raw)
    assert doc.issuer_nit is None  # never a cut identifier
    assert doc.issuer_name == "Q" * 400
    assert "FEL_GEN102" in rules(doc) and not doc.valid


def test_a_certificate_issued_by_a_trusted_authority_is_trusted(certifier_signer: Signer) -> None:
    authority = make_signer("SAT CA de prueba", authority=True)
    issuer = make_signer("50123459", issued_by=authority)
    raw = sign_dte(fixture_bytes("fel-fact-certificada.xml"), issuer, certifier_signer)
    assert read(raw, [authority.pem, certifier_signer.pem]).findings == []
    # Another authority with the same name does not vouch for it.
    impostor = make_signer("SAT CA de prueba", authority=True)
    doc = read(raw, [impostor.pem, certifier_signer.pem])
    assert rules(doc) == ["FEL-SIGNATURE-UNTRUSTED"]
    assert doc.findings[0].location == "/dte:GTDocumento/ds:Signature[1]"


def test_an_old_regime_original_is_named_by_its_resolution(issuer_signer: Signer, certifier_signer: Signer) -> None:
    raw = signed(
        "fel-ncre.xml",
        issuer_signer,
        certifier_signer,
        (
            'NumeroAutorizacionDocumentoOrigen="7A3C91E2-4B5D-4E6F-8A90-1B2C3D4E5F60"',
            'NumeroAutorizacionDocumentoOrigen="2018-1-123-4567" RegimenAntiguo="Antiguo"',
        ),
        ('NumeroDocumentoOrigen="1264406127"', 'NumeroDocumentoOrigen="889"'),
        ('SerieDocumentoOrigen="7A3C91E2"', 'SerieDocumentoOrigen="A"'),
    )
    doc = read(raw)
    assert doc.findings == []
    assert doc.reference == DocumentReference("A", "889", "2018-1-123-4567", date(2024, 5, 10))


def test_a_missing_tax_total(issuer_signer: Signer, certifier_signer: Signer) -> None:
    text = fixture_bytes("fel-fact-certificada.xml").decode()
    start, end = text.index("          <dte:TotalImpuestos>"), text.index("</dte:TotalImpuestos>\n") + 22
    doc = read(sign_dte((text[:start] + text[end:]).encode(), issuer_signer, certifier_signer))
    assert rules(doc) == ["FEL_RCP332"]
    assert "23.035714" in doc.findings[0].message.en
    assert doc.tax_total == Decimal(0)
