from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facturo.kit.csv import csv_bytes, format_cell, write_csv


def read_back(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


@pytest.mark.parametrize(
    "value",
    [
        '=HYPERLINK("http://evil","clic")',
        "+1+1",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\r=1+1",
        "-",
        "-1e5",
    ],
)
def test_formula_injection_neutralised(value: str) -> None:
    assert format_cell(value) == "'" + value
    assert read_back(write_csv([[value]], ["x"]))[1] == ["'" + value]


@pytest.mark.parametrize("value", ["-12.50", "+5", "-0.5", "-.5", "12", "Juan Pérez", "a=b", ""])
def test_plain_values_left_alone(value: str) -> None:
    assert format_cell(value) == value


def test_numbers_are_not_neutralised() -> None:
    assert format_cell(Decimal("-12.50")) == "-12.50"
    assert format_cell(-3) == "-3"
    assert format_cell(-0.1) == "-0.1"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1E+2"), "100"),
        (Decimal("1.50"), "1.50"),
        (Decimal("-0.000001"), "-0.000001"),
        (Decimal("1E-7"), "0.0000001"),
        (1e-05, "0.00001"),
        (1e20, "100000000000000000000"),
        (None, ""),
        (True, "true"),
        (date(2024, 2, 29), "2024-02-29"),
        (datetime(2024, 2, 29, 13, 5, 0), "2024-02-29T13:05:00"),
        (datetime(2024, 2, 29, 13, 5, 0, tzinfo=timezone(timedelta(hours=-6))), "2024-02-29T13:05:00-06:00"),
    ],
)
def test_value_formatting(value: object, expected: str) -> None:
    assert format_cell(value) == expected


def test_enum_written_as_value() -> None:
    class Status(Enum):
        ISSUED = "emitida"
        BAD = "=cmd"

    assert format_cell(Status.ISSUED) == "emitida"
    assert format_cell(Status.BAD) == "'=cmd"


def test_header_and_row_round_trip() -> None:
    rows = [
        ["FAC-000001", 'José, "el jefe"\nNúñez', Decimal("1E+2"), date(2024, 1, 31), None],
        ["FAC-000002", "=evil()", Decimal("-12.50"), datetime(2024, 1, 31, 8, 0, tzinfo=UTC), 3],
    ]
    text = write_csv(rows, ["numero", "cliente", "total", "fecha", "notas"])
    assert text.endswith("\r\n")
    assert read_back(text) == [
        ["numero", "cliente", "total", "fecha", "notas"],
        ["FAC-000001", 'José, "el jefe"\nNúñez', "100", "2024-01-31", ""],
        ["FAC-000002", "'=evil()", "-12.50", "2024-01-31T08:00:00+00:00", "3"],
    ]


def test_header_is_neutralised_too() -> None:
    assert read_back(write_csv([], ["=x", "y"])) == [["'=x", "y"]]


def test_csv_bytes_has_bom_for_excel() -> None:
    data = csv_bytes([["Facturación", Decimal("1.10")]], ["concepto", "monto"])
    assert data.startswith(b"\xef\xbb\xbf")
    assert read_back(data.decode("utf-8-sig")) == [["concepto", "monto"], ["Facturación", "1.10"]]


def test_accepts_generators_and_tuples() -> None:
    text = write_csv(((i, f"n{i}") for i in range(3)), ("id", "name"))
    assert read_back(text)[1:] == [["0", "n0"], ["1", "n1"], ["2", "n2"]]


def test_row_width_mismatch_refused() -> None:
    with pytest.raises(ValueError, match="row 2 has 1 cells"):
        write_csv([["a", "b"], ["c"]], ["x", "y"])


@given(st.lists(st.lists(st.text(), min_size=2, max_size=2), max_size=5))
def test_round_trip_never_starts_with_trigger(rows: list[list[str]]) -> None:
    back = read_back(write_csv(rows, ["a", "b"]))[1:]
    assert len(back) == len(rows)
    for original, written in zip(rows, back, strict=True):
        for o, w in zip(original, written, strict=True):
            assert w in (o, "'" + o)
            if w and w[0] in "=+-@\t\r":
                assert w.lstrip("+-").replace(".", "", 1).isdigit()


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_decimals_never_scientific(value: Decimal) -> None:
    text = format_cell(value)
    assert "E" not in text.upper()
    assert Decimal(text) == value
