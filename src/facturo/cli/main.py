"""``facturo``: serve the API, manage the database, load demo data, work with customers and invoices."""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup

from facturo import __version__
from facturo.kit.config import get_settings

if TYPE_CHECKING:
    from facturo.kit.db import Units

# Each domain's commands load when that command runs (or when --help lists them), not on every
# start: ``facturo serve`` and each of its worker processes then pay only for what serving needs.
# name -> (module, Typer app attribute, sub-apps mounted on it: name -> (module, attribute)).
LAZY_COMMANDS: dict[str, tuple[str, str, dict[str, tuple[str, str]]]] = {
    "customers": ("facturo.customers.cli", "app", {}),
    "invoices": ("facturo.invoicing.cli.invoices", "app", {}),
    "payments": ("facturo.invoicing.cli.payments", "app", {}),
    "users": ("facturo.auth.cli.users", "app", {}),
    "tokens": ("facturo.auth.cli.tokens", "app", {}),
    "organisation": ("facturo.invoicing.cli.organisation", "app", {}),
    "catalog": ("facturo.catalog.cli", "app", {}),
    "usage": ("facturo.usage.cli", "app", {"report": ("facturo.reports.cli", "app")}),
    "reception": ("facturo.reception.cli", "app", {}),
    "audit": ("facturo.sequence_audit.cli", "app", {}),
}


def _typer_app(module: str, attribute: str) -> typer.Typer:
    found: typer.Typer = getattr(importlib.import_module(module), attribute)
    return found


class LazyCommands(TyperGroup):
    """The root command: the commands defined here, then each domain's group, imported on first use."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *(name for name in LAZY_COMMANDS if name not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in LAZY_COMMANDS:
            module, attribute, mounted = LAZY_COMMANDS[cmd_name]
            sub_app = _typer_app(module, attribute)
            for sub_name, (sub_module, sub_attribute) in mounted.items():
                if not any(info.name == sub_name for info in sub_app.registered_groups):
                    sub_app.add_typer(_typer_app(sub_module, sub_attribute), name=sub_name)
            command = typer.main.get_command(sub_app)
            command.name = cmd_name
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)


app = typer.Typer(
    cls=LazyCommands,
    help="facturo: invoicing for Latin America.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


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
    # Any command may run reception workers (`reception work`, `reception submit`): the sequence
    # audit follows each batch they accept, as it does under `facturo serve` (docs/audit-gaps.md).
    from facturo.reception.audit_feed import after_batch

    after_batch(_audit_after_batch)


def _audit_after_batch(units: Units) -> object:
    # Imported when a batch was accepted, not on every command's start.
    from facturo.sequence_audit import service

    return service.sync(units)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations (also done automatically on start)."""
    from facturo.kit.db import make_engine
    from facturo.kit.migrate import upgrade

    settings = get_settings()
    settings.ensure_data_dir()

    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    engine.dispose()
    typer.echo(f"Esquema al día en {engine.url.render_as_string(hide_password=True)}.")


@app.command()
def demo() -> None:
    """Load realistic Guatemalan demo data (only into an empty database)."""
    from facturo.demo.loader import ensure_demo
    from facturo.kit import clock
    from facturo.surface.console.context import console, local_actor, table, unit_of_work

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
    from facturo.surface.console.context import console, database

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
