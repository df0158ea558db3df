from __future__ import annotations

import sys

import typer

from facturo.auth import service
from facturo.auth.permissions import Role
from facturo.auth.schemas import UserOut
from facturo.cli.context import JsonOption, emit_json, fail, local_actor, table, unit_of_work

app = typer.Typer(help="Users (usuarios) and their access.", no_args_is_help=True)


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
    with unit_of_work() as session:
        user = UserOut.model_validate(service.create_user(session, local_actor(), email, name, password, Role.ADMIN))
    if as_json:
        emit_json(user)
    else:
        typer.echo(f"Administrador {user.id} creado: {user.name} <{user.email}>.")


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
        ["Id", "Correo", "Nombre", "Rol", "Cliente", "Activo", "Último acceso"],
        [
            (
                u.id,
                u.email,
                u.name,
                u.role.value,
                u.customer_id,
                "sí" if u.active else "no",
                u.last_login_at.isoformat(timespec="minutes") if u.last_login_at else "",
            )
            for u in users
        ],
    )


@app.command("deactivate")
def deactivate(user_id: int) -> None:
    """Deactivate a user: they cannot log in and their open sessions end."""
    with unit_of_work() as session:
        user = service.set_active(session, local_actor(), user_id, False)
        typer.echo(f"Usuario {user.id} ({user.email}) desactivado.")
