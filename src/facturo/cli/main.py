"""``facturo``: serve the API, manage the database, load demo data, work with customers and invoices."""

from __future__ import annotations

import os

import typer

from facturo import __version__
from facturo.auth.cli.tokens import app as tokens_app
from facturo.auth.cli.users import app as users_app
from facturo.catalog.cli import app as catalog_app
from facturo.customers.cli import app as customers_app
from facturo.invoicing.cli.invoices import app as invoices_app
from facturo.invoicing.cli.organisation import app as organisation_app
from facturo.invoicing.cli.payments import app as payments_app
from facturo.kit import clock
from facturo.kit.config import get_settings
from facturo.kit.migrate import upgrade
from facturo.reports.cli import app as reports_app
from facturo.surface.console.context import console, database, local_actor, table, unit_of_work
from facturo.usage.cli import app as usage_app

app = typer.Typer(
    help="facturo: invoicing for Latin America.", no_args_is_help=True, pretty_exceptions_show_locals=False
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(customers_app, name="customers")
app.add_typer(invoices_app, name="invoices")
app.add_typer(payments_app, name="payments")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(organisation_app, name="organisation")
app.add_typer(catalog_app, name="catalog")
app.add_typer(usage_app, name="usage")
usage_app.add_typer(reports_app, name="report")


def _print_version(value: bool) -> None:
    # Eager, so `facturo --version` answers before Click asks for the missing command.
    if value:
        typer.echo(f"facturo {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(
        False, "--version", help="Show the version and exit.", is_eager=True, callback=_print_version
    ),
) -> None:
    """facturo: invoicing for Latin America."""


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations (also done automatically on start)."""
    settings = get_settings()
    settings.ensure_data_dir()
    from facturo.kit.db import make_engine

    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    engine.dispose()
    typer.echo(f"Esquema al día en {engine.url.render_as_string(hide_password=True)}.")


@app.command()
def demo() -> None:
    """Load realistic Guatemalan demo data (only into an empty database)."""
    from facturo.demo.loader import ensure_demo

    settings = get_settings()
    with unit_of_work() as session:
        outcome = ensure_demo(session, local_actor(), clock.today(settings.timezone))
    summary = outcome.loaded
    if summary is None:
        console.print("La base de datos ya tiene una organización; no se cargaron datos de demostración.")
    else:
        console.print(
            f"Demostración cargada: {summary.customers} clientes, {summary.products} productos, "
            f"{summary.documents} facturas en todos los estados, {summary.consumptions} consumos de nube "
            "por facturar (facturo usage bill)."
        )
    if outcome.sign_ins:
        table("Usuarios de demostración", ["Correo", "Contraseña", "Rol"], outcome.sign_ins)
    else:
        console.print("Ningún usuario de demostración conserva su contraseña de demostración.")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, min=1, help="Worker processes."),
    reload: bool = typer.Option(False, help="Reload on code changes (development)."),
) -> None:
    """Serve the REST API (OpenAPI docs at /docs)."""
    import uvicorn

    from facturo.kit.auth_settings import get_auth_settings

    database()  # migrate once here, not in every worker
    os.environ["FACTURO_AUTO_MIGRATE"] = "false"
    os.environ.setdefault("FACTURO_WARM_CACHES", "true")
    console.print(f"facturo {__version__} en http://{host}:{port} (documentación en /docs)")
    # Proxy headers only from FACTURO_TRUSTED_PROXIES (none by default), as auth.client_address.
    trusted_proxies = get_auth_settings().trusted_proxy_list()
    uvicorn.run(
        "facturo.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        log_level="info",
        proxy_headers=bool(trusted_proxies),
        forwarded_allow_ips=trusted_proxies,
    )


if __name__ == "__main__":
    app()
