"""The two real FEL samples get the verdicts their README states."""

from __future__ import annotations

import base64
import re

import pytest

from facturo.kit.xml import UnsafeXmlError, parse_untrusted
from facturo.reception.formats.fel import read_fel
from tests.conftest import corpus_path

pytestmark = pytest.mark.corpus


def _sample(name: str) -> bytes:
    return corpus_path("einvoice", "fel", name).read_bytes()


def test_sat_certified_fact_is_accepted_by_default() -> None:
    raw = _sample("fel-FACT-certified-SAT-signed.xml")
    doc = read_fel(parse_untrusted(raw), raw)
    # The schema traps (NIT patterns, CF) are handled, it is certified, its signatures are well formed.
    assert doc.findings == []
    assert doc.valid
    assert (doc.document_type, doc.issuer_nit, doc.receiver_id, doc.certifier_nit) == (
        "FACT",
        "28733657",
        "CF",
        "16693949",
    )
    assert (doc.series, doc.number) == ("D412A347", "2535474368")
    assert doc.authorization_uuid == "D412A347-9720-44C0-A9CC-FDE068F0A2E7"
    assert str(doc.total) == "100.000000" and str(doc.tax_total) == "10.714286"
    assert str(doc.taxable_total) == "89.285714"


def test_sat_certified_fact_is_rejected_as_altered_when_verification_is_on() -> None:
    raw = _sample("fel-FACT-certified-SAT-signed.xml")
    embedded = [
        base64.b64decode(b"".join(match.split()))
        for match in re.findall(rb"<ds:X509Certificate>(.*?)</ds:X509Certificate>", raw, re.S)
    ]
    doc = read_fel(parse_untrusted(raw), raw, trusted_certificates=embedded)
    # Its own (expired) certificates are trusted, so the only reason left is the alteration.
    assert sorted(f.rule for f in doc.findings) == ["FEL-SIGNATURE-INVALID", "FEL-SIGNATURE-INVALID"]
    assert ["#DatosEmision" in doc.findings[0].message.en, "#DatosCertificados" in doc.findings[1].message.en] == [
        True,
        True,
    ]
    assert all("Digest mismatch" in f.message.en for f in doc.findings)
    assert not doc.valid


def test_truncated_sample_is_refused_as_not_well_formed() -> None:
    with pytest.raises(UnsafeXmlError) as refused:
        parse_untrusted(_sample("fel-FACT-unsigned-truncated.xml"))
    assert refused.value.rule == "xml_malformed"
