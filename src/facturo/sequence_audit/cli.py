"""``facturo audit``: gaps in received documents' numbers, top issuers, monthly figures; keeping
the audit current (sync) and rebuilding it (recompute)."""

from __future__ import annotations

import re
import sys
from datetime import date

import typer

from facturo.sequence_audit import service
from facturo.sequence_audit.schemas import DEFAULT_TOP, GapQuery
from facturo.surface.console.context import (
    JsonOption,
    console,
    database,
    emit_json,
    fail,
    option_date,
    table,
    unit_of_work,
)

app = typer.Typer(help="Auditoría de correlativos de documentos recibidos.", no_args_is_help=True)

_STATUS_ES = {"open": "abierto", "closed": "cerrado"}
_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")


def _date(value: str | None, option: str) -> date | None:
    return None if value is None else option_date(value, option)


@app.command("gaps")
def gaps(
    day: str | None = typer.Option(None, "--day", help="Gaps first detected this day (default: yesterday)."),
    date_from: str | None = typer.Option(None, "--from", help="With --to: gaps with a document dated in the range."),
    date_to: str | None = typer.Option(None, "--to"),
    issuer: str | None = typer.Option(None, "--issuer", help="One issuer's NIT."),
    as_json: bool = JsonOption,
    as_csv: bool = typer.Option(False, "--csv", help="CSV on standard output (formula-safe)."),
    expand: bool = typer.Option(False, "--expand", help="With --csv: one row per missing number."),
) -> None:
    """The gaps of a day or a range: open ones and those a late document closed."""
    if as_json and as_csv:
        fail("Use --json o --csv, no ambos.", 2)
    if expand and not as_csv:
        fail("--expand va con --csv.", 2)
    query = GapQuery(_date(day, "--day"), _date(date_from, "--from"), _date(date_to, "--to"), issuer)
    with unit_of_work(write=False) as session:
        listing = service.gap_listing(session, query, as_csv=as_csv, expand=expand)
        if listing.csv is not None:
            for chunk in listing.csv:
                sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()
            return
    found = listing.gaps
    if as_json:
        emit_json([g.brief() for g in found])
        return
    table(
        f"Saltos de correlativo ({len(found)})",
        ["Emisor", "Tipo", "Serie", "Desde", "Hasta", "Faltan", "Estado", "Detectado", "Reinicio"],
        [
            [
                g.issuer_nit,
                g.kind,
                g.series,
                g.first,
                g.last,
                g.count,
                _STATUS_ES[g.status],
                g.detected_on,
                "sí" if g.suspected_restart else "",
            ]
            for g in found
        ],
        right=["Desde", "Hasta", "Faltan"],
    )


@app.command("top")
def top(
    date_from: str | None = typer.Option(None, "--from", help="Default: 2024-01-01."),
    date_to: str | None = typer.Option(None, "--to", help="Default: today."),
    limit: int = typer.Option(DEFAULT_TOP, "--limit", min=1, max=1000),
    as_json: bool = JsonOption,
) -> None:
    """The issuers with the most missing numbers in the range, highest first."""
    with unit_of_work(write=False) as session:
        found = service.top(session, _date(date_from, "--from"), _date(date_to, "--to"), limit)
    if as_json:
        emit_json(found)
        return
    table("Emisores con más números faltantes", ["Emisor", "Faltan"], [[t.issuer_nit, t.missing] for t in found])


@app.command("monthly")
def monthly(
    since: str = typer.Option("2024-01", "--since", help="First month, YYYY-MM."),
    as_json: bool = JsonOption,
) -> None:
    """Per issuer and month: documents, gaps opened, gaps closed late, missing at month end."""
    if not _MONTH.fullmatch(since):
        fail(f"--since debe ser un mes AAAA-MM (recibido: {since}).", 2)
    with unit_of_work(write=False) as session:
        found = service.monthly(session, date(int(since[:4]), int(since[5:]), 1))
    if as_json:
        emit_json(found)
        return
    table(
        "Auditoría mensual",
        ["Mes", "Emisor", "Documentos", "Saltos nuevos", "Cerrados tarde", "Faltan a fin de mes"],
        [
            [m.month, m.issuer_nit, m.documents, m.gaps_opened, m.gaps_closed_late, m.missing_open_at_month_end]
            for m in found
        ],
        right=["Documentos", "Saltos nuevos", "Cerrados tarde", "Faltan a fin de mes"],
    )


@app.command("sequences")
def sequences(issuer: str | None = typer.Option(None, "--issuer"), as_json: bool = JsonOption) -> None:
    """Every sequence followed; "no auditable" when none of its documents carries a correlative."""
    with unit_of_work(write=False) as session:
        found = service.sequences(session, issuer)
    if as_json:
        emit_json(found)
        return
    table(
        f"Secuencias ({len(found)})",
        ["Emisor", "Tipo", "Serie", "Formato", "Auditable", "Documentos", "Desde", "Hasta", "Faltan"],
        [
            [
                s.issuer_nit,
                s.kind,
                s.series,
                s.format,
                "sí" if s.auditable else "no auditable",
                s.documents,
                s.first_number,
                s.highest_number,
                s.missing,
            ]
            for s in found
        ],
        right=["Documentos", "Desde", "Hasta", "Faltan"],
    )


@app.command("sync")
def sync(as_json: bool = JsonOption) -> None:
    """Apply the accepted documents not audited yet (the workers do it after each batch)."""
    result = service.sync(database())
    if as_json:
        emit_json({"runs": result.runs, "documents": result.documents})
        return
    console.print(f"{result.documents} documentos auditados en {result.runs} ejecuciones.")


@app.command("recompute")
def recompute(as_json: bool = JsonOption) -> None:
    """Rebuild every sequence and gap from the received documents (same result as the increments)."""
    with unit_of_work() as session:
        result = service.recompute(session)
    if as_json:
        emit_json(
            {"runs": result.runs, "documents": result.documents, "gaps": result.gaps, "sequences": result.sequences}
        )
        return
    console.print(
        f"{result.documents} documentos en {result.runs} ejecuciones: "
        f"{result.sequences} secuencias, {result.gaps} registros de saltos."
    )
