"""facturo JSON documents: fields read, and every broken rule reported with its id."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from facturo.reception.formats.detect import read_document
from facturo.reception.formats.facturo_json import json_schema, split_array
from facturo.reception.formats.reading import DocumentFormat
from tests.reception.documents import as_bytes, invoice


def rules(document: Any) -> list[str]:
    return [f.rule for f in read_document(as_bytes(document)).findings]


def test_a_valid_invoice_is_read_with_its_index_fields() -> None:
    read = read_document(as_bytes(invoice(17)))
    assert read.valid, read.findings
    assert read.format is DocumentFormat.JSON
    assert (read.issuer_nit, read.issuer_name) == ("45671230", "Ferretería El Martillo")
    assert (read.series, read.number, read.correlative) == ("A", "17", 17)
    assert read.issue_date == date(2026, 11, 30)
    assert (read.total, read.tax_total, read.taxable_total) == (Decimal("67.20"), Decimal("7.20"), Decimal("60.00"))
    assert read.receiver_id == "CF"


def test_tax_exclusive_prices_add_the_tax_on_top() -> None:
    document = invoice(
        prices_include_tax=False,
        lines=[{"description": "Servicio", "quantity": "3", "unit_price": "10.00", "tax_rate": "12", "total": "30.00"}],
        tax_total="3.60",
        total="33.60",
    )
    read = read_document(as_bytes(document))
    assert read.valid, read.findings
    assert read.taxable_total == Decimal("30.00")


@pytest.mark.parametrize(
    ("change", "rule", "location"),
    [
        ({"total": "67.21"}, "JSON-TOTAL", "/total"),
        ({"tax_total": "7.00"}, "JSON-TAX-TOTAL", "/tax_total"),
        ({"total": 67.2}, "JSON-TYPE", "/total"),
        ({"total": "67,20"}, "JSON-DECIMAL", "/total"),
        ({"issue_date": "30/11/2026"}, "JSON-DATE", "/issue_date"),
        ({"issue_date": "2026-02-30"}, "JSON-DATE", "/issue_date"),
        ({"number": "17"}, "JSON-TYPE", "/number"),
        ({"number": 0}, "JSON-NUMBER", "/number"),
        ({"currency": "QTZ"}, "JSON-CURRENCY", "/currency"),
        ({"currency": "gtq"}, "JSON-CURRENCY", "/currency"),
        ({"issuer": {"nit": "1234567-1", "name": "X"}}, "JSON-ISSUER-NIT", "/issuer/nit"),
        ({"receiver": {"id": "12345", "name": "X"}}, "JSON-RECEIVER-ID", "/receiver/id"),
        ({"lines": []}, "JSON-EMPTY", "/lines"),
        ({"colour": "red"}, "JSON-UNKNOWN-FIELD", "/colour"),
        ({"format": "facturo.invoice/2"}, "JSON-VALUE", "/format"),
        ({"document_type": "credit_note"}, "JSON-REFERENCE", "/reference"),
    ],
)
def test_each_broken_rule_is_named_with_its_location(change: dict[str, Any], rule: str, location: str) -> None:
    read = read_document(as_bytes(invoice(**change)))
    assert not read.valid
    assert (rule, location) in [(f.rule, f.location) for f in read.findings]
    assert all(f.message.es and f.message.en for f in read.findings)


def test_a_line_total_that_is_not_quantity_times_price() -> None:
    document = invoice()
    document["lines"][0]["total"] = "22.41"
    document["total"] = "67.21"
    # The tax and the total follow from the lines as written, so only the line is wrong.
    assert rules(document) == ["JSON-LINE-TOTAL"]


def test_a_missing_field_is_reported_and_what_is_there_stays_findable() -> None:
    document = invoice(5)
    del document["total"]
    read = read_document(as_bytes(document))
    assert [f.rule for f in read.findings] == ["JSON-REQUIRED"]
    assert read.findings[0].location == "/total"
    assert (read.issuer_nit, read.number) == ("45671230", "5")


@pytest.mark.parametrize("data", [b"{", b'{"a": }', b"\xef\xbb\xbf{\xff}", b"[" * 100_000])
def test_broken_json_is_rejected_not_raised(data: bytes) -> None:
    read = read_document(data)
    assert not read.valid
    assert read.findings[0].rule in {"JSON-SYNTAX"}


def test_an_array_splits_into_its_elements_exactly_as_written() -> None:
    one, two = as_bytes(invoice(1)), as_bytes(invoice(2))
    data = b"[\n" + one + b" ,\n" + two + b"\n]\n"
    assert split_array(data) == [one, two]
    assert split_array(b"[]") == []
    assert split_array(one) is None
    assert split_array(b"[1, 2") is None


def test_the_json_schema_names_the_format_and_its_required_fields() -> None:
    schema = json_schema()
    assert schema["properties"]["format"]["const"] == "facturo.invoice/1"
    assert {"issuer", "receiver", "series", "number", "issue_date", "lines", "total"} <= set(schema["required"])
