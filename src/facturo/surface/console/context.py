"""What every command shares: the database, the local actor, error handling and output."""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from functools import cache
from typing import Any, NoReturn

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy.orm import Session

from facturo.kit.actor import Actor
from facturo.kit.config import get_settings
from facturo.kit.db import Database
from facturo.kit.errors import FacturoError
from facturo.kit.migrate import upgrade
from facturo.kit.pagination import Page
from facturo.kit.validation_text import cli_field, spanish

# Piped output (scripts, CI logs) gets a wide fixed width instead of Rich's 80 columns, so tables keep
# their ids and names readable.
console = Console() if sys.stdout.isatty() else Console(width=200)
err_console = Console(stderr=True)


@cache
def database() -> Database:
    settings = get_settings()
    settings.ensure_data_dir()
    db = Database.from_url(settings.resolved_database_url)
    if settings.auto_migrate:
        upgrade(db.engine)
    return db


def local_actor() -> Actor:
    """Commands run on this machine act as the named local operator, and the history says so."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "operator"
    return Actor("local", user, f"{user} (CLI)")


def fail(message: str, code: int = 1) -> NoReturn:
    # Soft wrap: a long path or NIT stays whole when stderr is a pipe (scripts, logs); a terminal wraps it.
    err_console.print(f"[bold red]Error:[/] {message}", soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def unit_of_work(write: bool = True) -> Iterator[Session]:
    """One transaction per command; domain errors become a clear message and an exit code."""
    try:
        with database().unit_of_work(write=write) as session:
            yield session
    except FacturoError as exc:
        details = "".join(f"\n  - {p.field}: {p.message.es}" for p in exc.problems if p.message != exc.message)
        fail(exc.message.es + details, exc.exit_code)
    except ValidationError as exc:
        fail(validation_text(exc), 2)


def validation_text(exc: ValidationError) -> str:
    """Every problem of a refused input, in Spanish, each with its field (positions from 1)."""
    problems = [f"{cli_field(tuple(e['loc']))}: {spanish(e)}" for e in exc.errors()]
    if len(problems) == 1:
        return f"Datos no válidos: {escape(problems[0])}"
    return "Datos no válidos:" + "".join(f"\n  - {escape(p)}" for p in problems)


def emit_json(data: Any) -> None:
    if isinstance(data, BaseModel):
        text = data.model_dump_json(indent=2)
    elif isinstance(data, list) and all(isinstance(d, BaseModel) for d in data):
        text = json.dumps([d.model_dump(mode="json") for d in data], indent=2, ensure_ascii=False)
    else:
        text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    typer.echo(text)


def option_date(value: str, option: str) -> date:
    """A calendar date typed as YYYY-MM-DD; anything else is a usage error (exit 2) naming the option."""
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d").date()  # noqa: DTZ007 - a calendar date, no time
    except ValueError:
        fail(escape(f"{option} debe ser una fecha AAAA-MM-DD (recibido: {value})."), 2)


def answer(data: Any, as_json: bool, sentence: str) -> None:
    """A command's result: the object as JSON for scripts, or one sentence for people."""
    if as_json:
        emit_json(data)
    else:
        typer.echo(sentence)


def emit_page(page: Page[Any]) -> None:
    """A page of Pydantic views as JSON, with the same envelope as the API."""
    emit_json(
        {
            "items": [item.model_dump(mode="json") for item in page.items],
            "total": page.total,
            "page": page.page,
            "size": page.size,
            "pages": page.pages,
        }
    )


def table(
    title: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    right: Sequence[str] = (),
    wrap: Sequence[str] = ("Nombre", "Cliente", "Descripción", "Valor", "Problema"),
) -> None:
    out = Table(title=title)
    for column in columns:
        out.add_column(
            column,
            justify="right" if column in right else "left",
            no_wrap=column not in wrap,
            min_width=len(column),
        )
    for row in rows:
        out.add_row(*("" if v is None else str(v) for v in row))
    console.print(out)


JsonOption = typer.Option(False, "--json", help="Print JSON for scripts instead of a table.")
Handler = Callable[..., None]
