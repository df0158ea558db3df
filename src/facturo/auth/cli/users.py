from __future__ import annotations

import sys
from datetime import datetime

import typer

from facturo.auth import service
from facturo.auth.schemas import UserOut
from facturo.kit.access import Principal, Role, local_principal
from facturo.kit.schemas import MAX_ID
from facturo.surface.console.context import JsonOption, answer, emit_json, fail, local_actor, table, unit_of_work

app = typer.Typer(help="Users (usuarios) and their access.", no_args_is_help=True)

ROLES = ", ".join(r.value for r in Role)
UserId = typer.Argument(..., min=1, max=MAX_ID, metavar="USER_ID", help="User id (see `facturo users list`).")


def _operator() -> Principal:
    """Whoever runs the CLI on the server: a full administrator (they already own the database)."""
    return local_principal(local_actor())


def _minutes(moment: datetime | None) -> str:
    return moment.isoformat(timespec="minutes") if moment else ""


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        # Only the first line, without its newline: `echo secret | facturo users …` must not make
        # the newline part of the password.
        piped = sys.stdin.readline().rstrip("\r\n")
        if not piped:
            fail("No se recibió ninguna contraseña por la entrada estándar.", 2)
        return piped
    password: str = typer.prompt("Contraseña", hide_input=True)
    again: str = typer.prompt("Repita la contraseña", hide_input=True)
    if password != again:
        fail("Las contraseñas no coinciden.", 2)
    return password


@app.command("create-admin")
def create_admin(
    email: str = typer.Option(..., help="Login email."),
    name: str = typer.Option(..., help="Full name."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin (scripts)."),
    as_json: bool = JsonOption,
) -> None:
    """Create an administrator (the first user of a new installation, or another one)."""
    password = _read_password(password_stdin)
    op = _operator()
    with unit_of_work() as session:
        user = UserOut.model_validate(
            service.create_user(session, op.actor, email, name, password, Role.ADMIN, granted_by=op)
        )
    answer(user, as_json, f"Administrador {user.id} creado: {user.name} <{user.email}>.")


@app.command("create")
def create(
    email: str = typer.Option(..., help="Login email."),
    name: str = typer.Option(..., help="Full name."),
    role: str = typer.Option(..., help=f"One of: {ROLES}."),
    customer: int = typer.Option(
        None, "--customer", min=1, max=MAX_ID, help="Customer id (portal users with the customer role only)."
    ),
    issuer_nit: list[str] = typer.Option(
        [],
        "--issuer-nit",
        help="Issuer NIT the user submits for and reads (issuer role only; repeat, or separate with commas).",
    ),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin (scripts)."),
    as_json: bool = JsonOption,
) -> None:
    """Create a user with a role; customer (portal) users are linked to their customer, issuers
    (and certifiers) bound to the NITs they submit for."""
    password = _read_password(password_stdin)
    op = _operator()
    nits = issuer_nit or None
    with unit_of_work() as session:
        user = UserOut.model_validate(
            service.create_user(
                session,
                op.actor,
                email,
                name,
                password,
                role.strip().lower(),
                customer,
                issuer_nits=nits,
                granted_by=op,
            )
        )
    if as_json:
        emit_json(user)
    else:
        linked = f", cliente {user.customer_id}" if user.customer_id is not None else ""
        if user.issuer_nits is not None:
            linked += f", emisores {', '.join(user.issuer_nits)}"
        typer.echo(f"Usuario {user.id} creado: {user.name} <{user.email}>, rol {user.role.value}{linked}.")


@app.command("list")
def list_users(as_json: bool = JsonOption) -> None:
    """List users."""
    with unit_of_work(write=False) as session:
        users = [UserOut.model_validate(u) for u in service.list_users(session)]
    if as_json:
        emit_json(users)
        return
    table(
        f"Usuarios ({len(users)})",
        ["Id", "Correo", "Nombre", "Rol", "Cliente", "Emisores", "Activo", "Último acceso"],
        [
            (
                u.id,
                u.email,
                u.name,
                u.role.value,
                u.customer_id,
                ", ".join(u.issuer_nits or ()),
                "sí" if u.active else "no",
                _minutes(u.last_login_at),
            )
            for u in users
        ],
    )


@app.command("show")
def show(user_id: int = UserId, as_json: bool = JsonOption) -> None:
    """Show one user."""
    with unit_of_work(write=False) as session:
        user = UserOut.model_validate(service.get_user(session, user_id))
    if as_json:
        emit_json(user)
        return
    table(
        f"Usuario {user.id}",
        ["Campo", "Valor"],
        [
            ("Correo", user.email),
            ("Nombre", user.name),
            ("Rol", user.role.value),
            ("Cliente", user.customer_id),
            ("Emisores (NIT)", ", ".join(user.issuer_nits or ())),
            ("Activo", "sí" if user.active else "no"),
            ("Último acceso", _minutes(user.last_login_at)),
            ("Creado", _minutes(user.created_at)),
        ],
    )


@app.command("deactivate")
def deactivate(user_id: int = UserId, as_json: bool = JsonOption) -> None:
    """Deactivate a user: they cannot log in and their open sessions end."""
    op = _operator()
    with unit_of_work() as session:
        user = UserOut.model_validate(service.set_active(session, op.actor, user_id, False, granted_by=op))
    answer(user, as_json, f"Usuario {user.id} ({user.email}) desactivado.")


@app.command("activate")
def activate(user_id: int = UserId, as_json: bool = JsonOption) -> None:
    """Reactivate a deactivated user."""
    op = _operator()
    with unit_of_work() as session:
        user = UserOut.model_validate(service.set_active(session, op.actor, user_id, True, granted_by=op))
    answer(user, as_json, f"Usuario {user.id} ({user.email}) activado.")


@app.command("password")
def set_password(
    user_id: int = UserId,
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin (scripts)."),
) -> None:
    """Set a new password for a user (who forgot theirs); their open sessions end."""
    new_password = _read_password(password_stdin)
    op = _operator()
    with unit_of_work() as session:
        user = UserOut.model_validate(service.reset_password(session, op.actor, user_id, new_password, granted_by=op))
    typer.echo(f"Contraseña de {user.email} cambiada; sus sesiones abiertas se cerraron.")
