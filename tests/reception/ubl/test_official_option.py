"""FACTURO_EN16931_XSLT: the operator's copy of the official rules judges UBL documents too, and its
verdict on the EN 16931 rules replaces the native one."""

from __future__ import annotations

from pathlib import Path

import pytest

from facturo.kit.config import Settings
from facturo.kit.errors import NotConfigured
from facturo.reception.formats.detect import ReadingOptions, read_document
from facturo.reception.workers import reading_options
from tests.conftest import DATA, reference_path

UBL = (DATA / "einvoice" / "ubl-invoice.xml").read_bytes()


def official() -> Path:
    return reference_path("en16931", "EN16931-UBL-validation.xslt")


def test_a_valid_invoice_stays_valid_under_the_official_rules() -> None:
    read = read_document(UBL, ReadingOptions(en16931_xslt=official()))
    assert read.valid, read.findings


def test_the_official_verdict_decides_the_en16931_rules() -> None:
    # LineExtensionAmount of the totals no longer matches the lines: BR-CO-10.
    broken = UBL.replace(
        b'<cbc:LineExtensionAmount currencyID="EUR">150.00</cbc:LineExtensionAmount>\n    <cbc:TaxExclusiveAmount',
        b'<cbc:LineExtensionAmount currencyID="EUR">150.01</cbc:LineExtensionAmount>\n    <cbc:TaxExclusiveAmount',
    )
    assert broken != UBL
    read = read_document(broken, ReadingOptions(en16931_xslt=official()))
    assert not read.valid
    official_rules = [f for f in read.findings if f.message.en.startswith("Official EN 16931 rule")]
    assert "BR-CO-10" in {f.rule for f in official_rules}
    assert all(f.message.es.startswith("Regla oficial EN 16931") for f in official_rules)


def test_a_missing_official_file_stops_the_start_with_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(NotConfigured) as refused:
        reading_options(Settings(data_dir=tmp_path, en16931_xslt=tmp_path / "no-such.xslt"))
    assert "no-such.xslt" in refused.value.message.es
