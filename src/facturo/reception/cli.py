"""``facturo reception``: validate, submit and look at received e-invoices; run a worker."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.text import Text

from facturo.kit.archive import Archive
from facturo.kit.config import get_settings
from facturo.kit.errors import FacturoError
from facturo.kit.pagination import KeysetParams
from facturo.reception import service, views
from facturo.reception.queries import DocumentFilters
from facturo.reception.workers import work_here
from facturo.surface.console.context import (
    JsonOption,
    console,
    database,
    emit_json,
    fail,
    local_actor,
    table,
    unit_of_work,
)

app = typer.Typer(help="Recepción de facturas electrónicas (FEL, UBL, JSON).", no_args_is_help=True)

_STATUS_ES = {"received": "recibido", "accepted": "aceptado", "rejected": "rechazado"}


def _paths(paths: list[Path]) -> list[Path]:
    """Files as given; a folder stands for every file under it, in name order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file()))
        elif path.is_file():
            found.append(path)
        else:
            fail(f"No existe el archivo {path}.", 2)
    return found


def _opened(stack: ExitStack, paths: list[Path]) -> Iterator[tuple[str, IO[bytes]]]:
    for path in _paths(paths):
        yield str(path), stack.enter_context(path.open("rb"))


@app.command("validate")
def validate(
    files: list[Path] = typer.Argument(..., help="Documents (XML, JSON) or zips of documents."),
    as_json: bool = JsonOption,
) -> None:
    """Validate documents without storing anything. Exit code 1 when any is not valid."""
    with ExitStack() as stack:
        results = views.validate_files(_opened(stack, files), get_settings())
    if as_json:
        emit_json([r.as_json() for r in results])
    else:
        for result in results:
            if result.read is None:
                console.print(Text.assemble(("✗ ", "red"), f"{result.file}: {result.refused}"), soft_wrap=True)
                continue
            # Text, not markup: file names and messages may hold brackets Rich would read as tags.
            mark = ("✓ válido", "green") if result.read.valid else ("✗ no válido", "red")
            console.print(Text.assemble(mark, f" {result.file} ({result.read.format.value})"), soft_wrap=True)
            for finding in result.read.findings:
                line = f"    {finding.severity.value:<7} {finding.rule}: {finding.message.es}  "
                console.print(Text.assemble(line, (finding.location, "dim")), soft_wrap=True)
    if any(r.read is None or not r.read.valid for r in results):
        raise typer.Exit(1)


@app.command("submit")
def submit(
    files: list[Path] = typer.Argument(..., help="Documents (XML, JSON) or zips of documents."),
    as_json: bool = JsonOption,
    no_wait: bool = typer.Option(False, "--no-wait", help="Store and return; workers decide later."),
) -> None:
    """Store documents (archived as received) and, unless --no-wait, validate and index them here,
    with a progress bar."""
    progress = Progress(
        SpinnerColumn(),
        TextColumn("Validando"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        disable=as_json or no_wait,
        transient=True,
    )
    task = progress.add_task("reception", total=None)

    def advance(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total)

    with ExitStack() as stack, progress:
        try:
            receipt = views.submit_and_wait(
                database(),
                get_settings(),
                _opened(stack, files),
                actor=local_actor(),
                wait=not no_wait,
                progress=advance,
            )
        except FacturoError as error:
            fail(error.message.es, error.exit_code)
    if as_json:
        emit_json(receipt)
        return
    table(
        f"Envío {receipt.submission_id}",
        ["Id", "Archivo", "Estado", "Duplicado"],
        [[d.id, d.file, _STATUS_ES.get(d.status, d.status), "sí" if d.duplicate else ""] for d in receipt.documents],
        right=["Id"],
        wrap=("Archivo",),
    )
    for refused in receipt.refused:
        console.print(f"[yellow]No procesado[/] {refused.name}: {refused.reason_es}", soft_wrap=True)
    counts = {s: sum(1 for d in receipt.documents if d.status == s) for s in _STATUS_ES}
    console.print(
        f"{len(receipt.documents)} documentos: {counts['accepted']} aceptados, {counts['rejected']} rechazados, "
        f"{counts['received']} en espera; {receipt.duplicate_count} ya estaban guardados."
    )


@app.command("list")
def list_documents(
    status: str | None = typer.Option(None, "--status", help="received, accepted o rejected."),
    issuer: str | None = typer.Option(None, "--issuer", help="NIT del emisor."),
    limit: int = typer.Option(50, "--limit", min=1, max=500),
    cursor: str | None = typer.Option(None, "--cursor", help="El cursor que imprimió la página anterior."),
    as_json: bool = JsonOption,
) -> None:
    """Received documents, newest issue date first, with the total count."""
    if status is not None and status not in _STATUS_ES:
        fail(f"--status debe ser received, accepted o rejected (recibido: {status}).", 2)
    filters = DocumentFilters(status=status, issuer_nit=issuer)
    with unit_of_work(write=False) as session:
        page = views.document_list(session, filters, KeysetParams(limit=limit, cursor=cursor, with_total=True))
    if as_json:
        emit_json(
            {
                "items": [d.model_dump(mode="json") for d in page.items],
                "total": page.total,
                "next_cursor": page.next_cursor,
            }
        )
        return
    table(
        f"Documentos recibidos ({page.total})",
        ["Id", "Estado", "Formato", "Tipo", "Emisor", "Serie", "Número", "Fecha", "Total", "Hallazgos"],
        [
            [
                d.id,
                _STATUS_ES.get(d.status, d.status),
                d.format,
                d.document_type,
                d.issuer_nit,
                d.series,
                d.number,
                d.issue_date,
                d.total,
                d.finding_count,
            ]
            for d in page.items
        ],
        right=["Id", "Total", "Hallazgos"],
    )
    if page.next_cursor:
        console.print(f"Siguiente página: --cursor {page.next_cursor}")


@app.command("show")
def show(document_id: int = typer.Argument(..., min=1), as_json: bool = JsonOption) -> None:
    """A document's index fields and findings."""
    with unit_of_work(write=False) as session:
        detail = views.document_view(session, document_id, None)
    if as_json:
        emit_json(detail)
        return
    fields: list[tuple[str, Any]] = [
        ("Estado", _STATUS_ES.get(detail.status, detail.status)),
        ("Formato", detail.format),
        ("Tipo", detail.document_type),
        ("Emisor", f"{detail.issuer_nit or ''} {detail.issuer_name or ''}".strip()),
        ("Receptor", f"{detail.receiver_id or ''} {detail.receiver_name or ''}".strip()),
        ("Serie / número", f"{detail.series or ''} {detail.number or ''}".strip()),
        ("Fecha", detail.issue_date),
        ("Total", f"{detail.total} {detail.currency or ''}" if detail.total is not None else None),
        ("IVA", detail.tax_total),
        ("Autorización", detail.authorization_uuid),
        ("Archivo", detail.file_name),
        ("sha256", detail.sha256),
    ]
    table(f"Documento {detail.id}", ["Campo", "Valor"], [[k, v] for k, v in fields])
    if detail.findings:
        table(
            "Hallazgos",
            ["Regla", "Severidad", "Ubicación", "Problema"],
            [[f.rule, f.severity, f.location, f.message_es] for f in detail.findings],
        )


@app.command("original")
def original(
    document_id: int = typer.Argument(..., min=1),
    output: Path = typer.Option(..., "-o", "--output", help="Where to write the original bytes."),
) -> None:
    """Write a document's exact original bytes to a file."""
    with unit_of_work(write=False) as session:
        download = views.original_download(session, Archive(get_settings().archive_dir), document_id, None)
    output.write_bytes(download.data)
    console.print(f"{output}: {len(download.data):,} bytes, sha256 {download.sha256}")


@app.command("verify-archive")
def verify_archive() -> None:
    """Recompute the sha256 of every archived original; exit code 1 if any is missing or altered."""
    with unit_of_work(write=False) as session:
        report = service.verify_archive(session, Archive(get_settings().archive_dir))
    for problem in report.problems:
        what = "falta" if problem.problem == "missing" else "alterado"
        console.print(f"[red]{what}[/] {problem.sha256}")
    console.print(f"{report.checked:,} originales revisados, {len(report.problems)} con problemas.")
    if report.problems:
        raise typer.Exit(1)


@app.command("work")
def work(
    threads: int = typer.Option(1, "--threads", min=1, max=64, help="Worker threads in this process."),
    once: bool = typer.Option(False, "--once", help="Drain the queue and exit."),
) -> None:
    """Validate and index received documents until stopped (Ctrl-C, SIGTERM), or once with --once."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if not once:
        console.print(f"Trabajando con {threads} hilo(s); Ctrl-C o SIGTERM para terminar.")
        # Ctrl-C arrives in the main thread, which only waits: it sets the event the loops watch.
        signal.signal(signal.SIGINT, lambda *_: stop.set())
    result = work_here(database(), get_settings(), threads, once=once, stop=stop)
    if once:
        console.print(f"{result.claimed} documentos: {result.accepted} aceptados, {result.rejected} rechazados.")
