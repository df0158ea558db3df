"""``facturo usage report detail|sales`` driven as a user would: tables, JSON, CSV and PDF files, and
clear errors with the documented exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from facturo.reports.cli import app
from facturo.surface.console import context
from facturo.usage.billing import BillingResult
from tests.conftest import RollbackDatabase
from tests.factories import make_issued, make_issuer
from tests.reports import bill_nube, csv_rows, invoice_of, pdf_text

Run = Callable[..., Result]


@pytest.fixture
def run(db: RollbackDatabase, monkeypatch: pytest.MonkeyPatch) -> Run:
    """The commands, on the test's database."""
    monkeypatch.setattr(context, "database", lambda: db)
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(app, list(args))

    return invoke


@pytest.fixture
def billed(db: RollbackDatabase) -> BillingResult:
    with db.unit_of_work() as session:
        make_issuer(session)
        return bill_nube(session)


def flat(text: str) -> str:
    return " ".join(text.split())


def test_detail_prints_tables(run: Run, billed: BillingResult) -> None:
    result = run("detail", "A-00000003")
    assert result.exit_code == 0, result.output
    out = flat(result.output)
    assert "Detalle de consumo · Factura A-00000003" in out
    assert "Cliente: Clínica Santa Lucía · NIT 8830514-1 · Emisión: 31/12/2023" in out
    assert "Total: Q8,842.61" in out
    # BD-2: 16×2.5 + 8×12.75 + 250.25×0.125 + 2×40.0125 = 253.30625/h; 17.5 h → 4432.859375 → Q4,432.86
    assert "17.5 h × Q253.30625/h = Q4,432.86" in out
    assert "14/02/2023 11:00 │ 10 │ 2,533.0625 │ Q2,533.06" in out
    # The CPU over both lines: 8×12.75 × (17.5 + 15.5) h = 3366.00, of 8842.61
    assert "Núcleo de procesador │ Q3,366.00 │ 38.07 %" in out


def test_detail_as_json_and_files(run: Run, billed: BillingResult, tmp_path: Path) -> None:
    invoice_id = invoice_of(billed, "8830514-1")
    as_json = run("detail", str(invoice_id), "--json")
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.stdout)
    assert (data["full_number"], data["total"]) == ("A-00000003", "8842.61")

    csv_file, pdf_file = tmp_path / "detalle.csv", tmp_path / "detalle.pdf"
    written = run("detail", "A-00000003", "--csv", str(csv_file), "--pdf", str(pdf_file))
    assert written.exit_code == 0, written.output
    assert f"CSV escrito en {csv_file}" in flat(written.stderr)
    assert f"PDF escrito en {pdf_file}" in flat(written.stderr)
    totals = [r for r in csv_rows(csv_file.read_bytes()) if r["tipo"] == "total_recurso"]
    assert [(r["código"], r["monto"]) for r in totals] == [(r["code"], r["amount"]) for r in data["resources"]]
    assert "Total: Q8,842.61" in pdf_text(pdf_file.read_bytes())


def test_detail_errors_have_exit_codes(run: Run, billed: BillingResult, db: RollbackDatabase) -> None:
    missing = run("detail", "A-00000099")
    assert missing.exit_code == 3
    assert "No existe la factura A-00000099." in flat(missing.output)

    with db.unit_of_work() as session:
        number = make_issued(session, "75.00").full_number
    assert number is not None
    refused = run("detail", number)
    assert refused.exit_code == 4
    assert f"La factura {number} no proviene de facturación por consumo" in flat(refused.output)

    unwritable = run("detail", "A-00000001", "--csv", "/nonexistent-dir/x.csv")
    assert unwritable.exit_code == 1
    assert "No se pudo escribir /nonexistent-dir/x.csv" in flat(unwritable.output)


def test_sales_prints_tables_json_and_files(run: Run, billed: BillingResult, tmp_path: Path) -> None:
    table = run("sales", "--from", "2023-01-01", "--to", "2023-12-31")
    assert table.exit_code == 0, table.output
    out = flat(table.output)
    assert "Análisis de ventas del 01/01/2023 al 31/12/2023" in out
    assert "Ventas brutas: Q11,006.35" in out
    assert out.index("Bases de datos") < out.index("Cómputo gráfico") < out.index("Servidores web")
    # 251.81 (N-101) + 535.50 + 146.63 (N-201, N-202) + 1785.00 + 1581.00 (N-301, N-302)
    assert "│ R2 │ Núcleo de procesador │ Q4,299.94 │ 39.07 % │" in out

    as_json = run("sales", "--from", "2023-01-01", "--to", "2023-12-31", "--json")
    data = json.loads(as_json.stdout)
    assert data["totals"]["revenue"] == "11006.35"
    assert [c["code"] for c in data["categories"]] == ["DATOS", "IA", "WEB"]

    csv_file, pdf_file = tmp_path / "ventas.csv", tmp_path / "ventas.pdf"
    written = run("sales", "--from", "2023-01-01", "--to", "2023-12-31", "--csv", str(csv_file), "--pdf", str(pdf_file))
    assert written.exit_code == 0, written.output
    assert written.stdout == ""  # files only: nothing else on stdout
    (gross,) = [r for r in csv_rows(csv_file.read_bytes()) if r["tipo"] == "total_bruto"]
    assert gross["monto"] == "11006.35"
    assert "Ventas brutas: Q11,006.35" in pdf_text(pdf_file.read_bytes())


@pytest.mark.parametrize(
    ("dates", "message"),
    [
        (
            ("--from", "2023-13-01", "--to", "2023-12-31"),
            "--from debe ser una fecha AAAA-MM-DD (recibido: 2023-13-01).",
        ),
        (("--from", "2023-01-01", "--to", "31/12/2023"), "--to debe ser una fecha AAAA-MM-DD (recibido: 31/12/2023)."),
        (("--from", "2023-12-31", "--to", "2023-01-01"), "la fecha inicial 31/12/2023 es posterior a la final"),
    ],
)
def test_sales_refuses_bad_dates_with_exit_code_2(
    run: Run, billed: BillingResult, dates: tuple[str, ...], message: str
) -> None:
    result = run("sales", *dates)
    assert result.exit_code == 2
    assert message in flat(result.output)
