"""``facturo usage``: import IPC2 messages, run billing, look at usage data."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, BinaryIO, cast
from zoneinfo import ZoneInfo

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from facturo.kit.errors import FacturoError
from facturo.kit.money import format_money
from facturo.surface.console.context import (
    JsonOption,
    console,
    database,
    emit_json,
    err_console,
    fail,
    local_actor,
    option_date,
    table,
    unit_of_work,
)
from facturo.usage import service
from facturo.usage.views import billing_view, run_records
from facturo.usage.views import import_files as import_messages

app = typer.Typer(help="Usage billing (facturación por consumo, mensajes IPC2).", no_args_is_help=True)

_OUTCOME_ES = {"created": "creados", "updated": "actualizados", "unchanged": "sin cambios", "rejected": "rechazados"}
_ENTITY_ES = {
    "resource": "Recursos",
    "category": "Categorías",
    "configuration": "Configuraciones",
    "customer": "Clientes",
    "portal_login": "Accesos al portal",
    "instance": "Instancias",
    "consumption": "Consumos",
}


def _progress(enabled: bool) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        disable=not enabled,
        transient=True,
    )


_SHOWN_PROBLEMS = 20


def _print_report(name: str, report: service.ImportReport) -> None:
    console.print(f"[bold]{name}[/] — mensaje de {'configuración' if report.kind == 'configuration' else 'consumos'}")
    table(
        "Resultado",
        ["Entidad", *(_OUTCOME_ES[o] for o in ("created", "updated", "unchanged", "rejected"))],
        [
            [_ENTITY_ES.get(entity, entity), c["created"], c["updated"], c["unchanged"], c["rejected"]]
            for entity, c in report.counts.items()
        ],
        right=list(_OUTCOME_ES.values()),
    )
    for title, items, total in (
        ("Duplicados (ignorados)", report.duplicates, report.totals["duplicate"]),
        ("Advertencias", report.warnings, report.totals["warning"]),
        ("Rechazos", report.rejections, report.totals["rejection"]),
    ):
        if items:
            shown = items[:_SHOWN_PROBLEMS]
            table(
                f"{title}: {total}" + (f" (las primeras {len(shown)})" if total > len(shown) else ""),
                ["Línea", "Entidad", "Id", "Problema"],
                [[p.line, _ENTITY_ES.get(p.entity, p.entity), p.key, p.note.es] for p in shown],
                right=["Línea"],
            )
    if sum(report.totals.values()) > _SHOWN_PROBLEMS and report.message_id is not None:
        console.print(
            f"Informe completo: [bold]facturo usage problems {report.message_id} --output informe.csv[/] "
            "(o --format json)."
        )


class _Advancing:
    """A file that moves a progress bar as the importer reads it."""

    def __init__(self, file: BinaryIO, progress: Progress, task: TaskID) -> None:
        self._file, self._progress, self._task = file, progress, task

    def read(self, size: int = -1) -> bytes:
        chunk = self._file.read(size)
        self._progress.advance(self._task, len(chunk))
        return chunk

    def seek(self, offset: int, whence: int = 0) -> int:
        position = self._file.seek(offset, whence)
        self._progress.update(self._task, completed=position)
        return position


@app.command("import")
def import_files(
    files: list[Path] = typer.Argument(..., help="IPC2 XML messages; configuration files are applied first."),
    as_json: bool = JsonOption,
) -> None:
    """Import configuration (archivoConfiguraciones) and consumption (listadoConsumos) messages.
    Each file is checked first and then written in one short transaction: a refused file writes
    nothing and the others still load. The full per-line report: facturo usage problems ID."""
    for path in files:
        if not path.is_file():
            fail(f"No existe el archivo {path}.", 2)
    results: list[dict[str, Any]] = []
    refused = 0
    for outcome in import_messages(
        database(), local_actor(), files, language="es" if as_json else None, reading=_watched(not as_json)
    ):
        if outcome.refusal is not None:
            refused += 1
            results.append({"file": str(outcome.path), "error": outcome.refusal.es})
            if not as_json:
                err_console.print(f"[bold red]{outcome.path.name}: rechazado.[/] {outcome.refusal.es}")
        elif outcome.out is not None:
            results.append({"file": str(outcome.path), **outcome.out.model_dump(mode="json")})
        elif outcome.report is not None:
            _print_report(outcome.path.name, outcome.report)
    if as_json:
        emit_json(results)
    if refused:
        raise typer.Exit(1)


def _watched(enabled: bool) -> Callable[[Path, BinaryIO], AbstractContextManager[BinaryIO]]:
    """A progress bar over each file while it is read (on stderr, gone once the file is done)."""

    @contextmanager
    def reading(path: Path, file: BinaryIO) -> Iterator[BinaryIO]:
        with _bytes_progress(enabled) as progress:
            task = progress.add_task(f"Importando {path.name}", total=path.stat().st_size)
            yield cast(BinaryIO, _Advancing(file, progress, task))

    return reading


def _bytes_progress(enabled: bool) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        console=err_console,
        disable=not enabled,
        transient=True,
    )


@app.command("problems")
def message_problems(
    message_id: int = typer.Argument(..., help="The message's number (shown by facturo usage import)."),
    fmt: str = typer.Option("csv", "--format", help="csv or json."),
    output: Path | None = typer.Option(None, "--output", "-o", help="File to write (default: the screen)."),
) -> None:
    """The full report of an imported message: every duplicate, warning and rejection, by line."""
    if fmt not in ("csv", "json"):
        fail("--format debe ser csv o json.", 2)
    db = database()
    try:
        download = service.report_download(db, message_id, "json" if fmt == "json" else "csv", "es")
        if output is None:
            for chunk in download.chunks:
                sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()
            return
        with output.open("wb") as target:
            for chunk in download.chunks:
                target.write(chunk)
    except FacturoError as exc:
        fail(exc.message.es, exc.exit_code)
    console.print(f"Informe del mensaje {message_id} escrito en {output}.")


@app.command("bill")
def bill(
    date_from: str = typer.Option(..., "--from", help="First day, YYYY-MM-DD (inclusive)."),
    date_to: str = typer.Option(..., "--to", help="Last day, YYYY-MM-DD (inclusive)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would be billed; write nothing."),
    as_json: bool = JsonOption,
) -> None:
    """Bill the unbilled consumptions of a date range: one invoice per customer."""
    start, end = option_date(date_from, "--from"), option_date(date_to, "--to")
    with _progress(not as_json) as progress:
        progress.add_task("Calculando y emitiendo…" if not dry_run else "Calculando…", total=None)
        with unit_of_work(write=not dry_run) as session:
            result = billing_view(session, local_actor(), start, end, dry_run=dry_run)
    if as_json:
        emit_json(result)
        return
    if not result.invoices:
        console.print(
            f"Nada que facturar en ese rango ({start:%d/%m/%Y} – {end:%d/%m/%Y}). "
            "No hay consumos pendientes de facturar"
            + (": una corrida no emitiría nada." if dry_run else "; no se creó ninguna corrida ni factura.")
        )
        return
    title = "Vista previa (no se emitió nada)" if dry_run else f"Corrida de facturación {result.run_id}"
    table(
        f"{title}: {start:%d/%m/%Y} – {end:%d/%m/%Y}, fecha de emisión {result.issue_date:%d/%m/%Y}",
        ["Factura", "NIT", "Cliente", "Consumos", "Total"],
        [
            [
                inv.number or "—",
                inv.customer_nit,
                inv.customer_name,
                inv.consumption_count,
                format_money(inv.total),
            ]
            for inv in result.invoices
        ],
        right=["Consumos", "Total"],
    )
    console.print(
        f"{result.invoice_count} factura(s), {result.consumption_count} consumo(s), total {format_money(result.total)}."
    )


@app.command("runs")
def runs(
    limit: int = typer.Option(100, "--limit", min=1, max=1000, help="How many runs, newest first."),
    as_json: bool = JsonOption,
) -> None:
    """Past billing runs, newest first: range, issue date, invoices, consumptions, total, who ran it."""
    with unit_of_work(write=False) as session:
        records = run_records(session, limit)
    zone, found = ZoneInfo(records.timezone), records.runs
    if as_json:
        emit_json(found)
        return
    if not found:
        console.print("Todavía no hay corridas de facturación (facturo usage bill --from … --to …).")
        return
    table(
        f"Corridas de facturación ({len(found)}, la más reciente primero)",
        ["Corrida", "Desde", "Hasta", "Emisión", "Facturas", "Consumos", "Total", "Por", "Ejecutada"],
        [
            [
                run.id,
                f"{run.date_from:%d/%m/%Y}",
                f"{run.date_to:%d/%m/%Y}",
                f"{run.issue_date:%d/%m/%Y}",
                run.invoice_count,
                run.consumption_count,
                format_money(run.total),
                run.actor_name,
                f"{run.started_at.astimezone(zone):%d/%m/%Y %H:%M}",
            ]
            for run in found
        ],
        right=["Facturas", "Consumos", "Total"],
    )


@app.command("data")
def data(as_json: bool = JsonOption) -> None:
    """Everything stored, with the unbilled consumption of each instance."""
    with unit_of_work(write=False) as session:
        view = service.overview(session)
    if as_json:
        emit_json(view)
        return
    table(
        "Recursos",
        ["Id", "Nombre", "Tipo", "Precio/hora"],
        [[r["code"], r["name"], r["kind"], r["price_per_hour"]] for r in view["resources"]],
        right=["Precio/hora"],
    )
    table(
        "Configuraciones",
        ["Categoría", "Id", "Nombre", "Tarifa/hora"],
        [
            [c["code"], conf["code"], conf["name"], conf["hour_rate"]]
            for c in view["categories"]
            for conf in c["configurations"]
        ],
        right=["Tarifa/hora"],
    )
    table(
        "Instancias y consumo pendiente",
        ["NIT", "Instancia", "Estado", "Consumos", "Horas", "Estimado"],
        [
            [
                cust["nit"],
                i["code"],
                i["state"],
                i["unbilled_consumptions"],
                i["unbilled_hours"],
                i["unbilled_estimate"],
            ]
            for cust in view["customers"]
            for i in cust["instances"]
        ],
        right=["Consumos", "Horas", "Estimado"],
    )


@app.command("cancel-instance")
def cancel_instance(
    code: str = typer.Argument(..., help="The instance id."),
    end: str = typer.Option(None, "--end", help="End date YYYY-MM-DD (default: today)."),
) -> None:
    """Cancel an instance: later consumptions are rejected."""
    with unit_of_work() as session:
        instance = service.cancel_instance(session, local_actor(), code, option_date(end, "--end") if end else None)
        console.print(f"Instancia {instance.code} cancelada desde el {instance.end_date:%d/%m/%Y}.")


@app.command("reset")
def reset(yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation.")) -> None:
    """Wipe usage data (never invoices). Needs FACTURO_ALLOW_RESET=1."""
    if not yes and not typer.confirm("¿Borrar todos los datos de consumo (no las facturas)?"):
        raise typer.Exit(1)
    with unit_of_work() as session:
        removed = service.reset_usage(session, local_actor())
    console.print("Datos de consumo borrados: " + ", ".join(f"{k} {v}" for k, v in removed.items()))
