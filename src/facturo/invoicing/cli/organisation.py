"""``facturo organisation``: our issuer profile and its numbering series."""

from __future__ import annotations

import typer

from facturo.invoicing import service as invoicing
from facturo.invoicing.schemas import SeriesIn, SeriesOut
from facturo.organisation import service
from facturo.organisation.schemas import IssuerOut
from facturo.surface.console.context import JsonOption, answer, emit_json, local_actor, table, unit_of_work

app = typer.Typer(
    help="The organisation (organización): its issuer profile and numbering series.", no_args_is_help=True
)
series_app = typer.Typer(help="Numbering series (series) for invoices and credit notes.", no_args_is_help=True)
app.add_typer(series_app, name="series")

LABELS = {
    "id": "Id",
    "name": "Razón social",
    "trade_name": "Nombre comercial",
    "nit": "NIT",
    "address": "Dirección",
    "establishment_code": "Establecimiento",
    "email": "Correo",
    "phone": "Teléfono",
    "currency": "Moneda",
    "timezone": "Zona horaria",
}
KINDS = {"invoice": "facturas", "credit_note": "notas de crédito"}


def _profile(issuer: IssuerOut) -> None:
    table("Organización", ["Campo", "Valor"], [(LABELS[k], v) for k, v in issuer.model_dump().items()])


@app.command("show")
def show(as_json: bool = JsonOption) -> None:
    """Show the organisation profile."""
    with unit_of_work(write=False) as session:
        issuer = IssuerOut.model_validate(service.own_issuer(session))
    if as_json:
        emit_json(issuer)
    else:
        _profile(issuer)


@app.command("set")
def set_profile(
    name: str = typer.Option(None, help="Legal name (razón social). Required the first time."),
    nit: str = typer.Option(None, help="NIT with check digit, e.g. 576937-K. Required the first time."),
    trade_name: str = typer.Option(None, help="Trade name (nombre comercial)."),
    address: str = typer.Option(None, help="Fiscal address."),
    establishment_code: str = typer.Option(None, help="SAT establishment code (default 1)."),
    email: str = typer.Option(None, help="Contact email printed on invoices."),
    phone: str = typer.Option(None, help="Contact phone."),
    currency: str = typer.Option(None, help="ISO 4217 currency code (default GTQ)."),
    timezone: str = typer.Option(None, help="IANA time zone for business dates (default America/Guatemala)."),
    as_json: bool = JsonOption,
) -> None:
    """Create the organisation profile, or change the given fields (the others keep their value).

    A new organisation also gets its default series: A for invoices, NC for credit notes.
    """
    given = {
        "name": name,
        "nit": nit,
        "trade_name": trade_name,
        "address": address,
        "establishment_code": establishment_code,
        "email": email,
        "phone": phone,
        "currency": currency,
        "timezone": timezone,
    }
    changes = {k: v for k, v in given.items() if v is not None}
    with unit_of_work() as session:
        issuer = IssuerOut.model_validate(invoicing.update_profile(session, local_actor(), changes))
    answer(issuer, as_json, f"Perfil de la organización guardado: {issuer.name} (NIT {issuer.nit}).")


@series_app.command("list")
def list_series(as_json: bool = JsonOption) -> None:
    """List the organisation's numbering series."""
    with unit_of_work(write=False) as session:
        found = [SeriesOut.model_validate(s) for s in invoicing.own_series(session)]
    if as_json:
        emit_json(found)
        return
    table(
        f"Series ({len(found)})",
        ["Id", "Código", "Prefijo", "Documentos", "Predeterminada", "Activa", "Siguiente número"],
        [
            (
                s.id,
                s.code,
                s.prefix,
                KINDS.get(s.document_type, s.document_type),
                "sí" if s.is_default else "no",
                "sí" if s.active else "no",
                s.next_number,
            )
            for s in found
        ],
        right=("Siguiente número",),
    )


@series_app.command("create")
def create_series(
    code: str = typer.Option(..., help="Series code: letters, digits, - and _ (up to 10)."),
    prefix: str = typer.Option("", help="Printed before the number (default: CODE-)."),
    document_type: str = typer.Option("invoice", "--type", help="invoice or credit_note."),
    default: bool = typer.Option(False, "--default", help="Make it the default series for its document type."),
    as_json: bool = JsonOption,
) -> None:
    """Create a numbering series."""
    with unit_of_work() as session:
        data = SeriesIn.model_validate(
            {"code": code, "prefix": prefix, "document_type": document_type, "is_default": default}
        )
        series = SeriesOut.model_validate(invoicing.create_own_series(session, local_actor(), data))
    if as_json:
        emit_json(series)
    else:
        extra = ", predeterminada" if series.is_default else ""
        typer.echo(
            f"Serie {series.code} creada para {KINDS.get(series.document_type, series.document_type)} "
            f"(prefijo {series.prefix}{extra})."
        )
