"""``facturo tokens``: API tokens for machine clients (scoped, expiring, revocable)."""

from __future__ import annotations

import re
from datetime import date, datetime

import typer

from facturo.auth import service
from facturo.auth.schemas import ApiTokenCreatedOut, ApiTokenOut
from facturo.kit import clock
from facturo.kit.access import Permission, local_principal
from facturo.kit.schemas import MAX_ID
from facturo.surface.console.context import JsonOption, answer, emit_json, fail, local_actor, table, unit_of_work

app = typer.Typer(help="API tokens (tokens de API) for machine clients.", no_args_is_help=True)

PERMISSIONS = ", ".join(p.value for p in Permission)
TokenId = typer.Argument(..., min=1, max=MAX_ID, metavar="TOKEN_ID", help="Token id (see `facturo tokens list`).")
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def _last_day(raw: str | None) -> date | None:
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    dmy = _DMY.match(text)
    try:
        return date(int(dmy[3]), int(dmy[2]), int(dmy[1])) if dmy else date.fromisoformat(text)
    except ValueError:
        fail(f"--expires debe ser una fecha AAAA-MM-DD o DD/MM/AAAA (recibido: {raw}).", 2)


def _permissions(values: list[str]) -> list[str]:
    """Repeated options and comma-separated lists alike: -p invoices:read,customers:read -p catalog:read."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _minutes(moment: datetime | None) -> str:
    return moment.isoformat(timespec="minutes") if moment else ""


def _status(token: ApiTokenOut, now: datetime) -> str:
    if token.revoked_at is not None:
        return "revocado"
    if token.expires_at is not None and token.expires_at <= now:
        return "caducado"
    return "activo"


@app.command("create")
def create(
    name: str = typer.Option(..., help="What the token is for, e.g. the client program's name."),
    permission: list[str] = typer.Option(
        ..., "--permission", "-p", help=f"Permission to grant (repeat, or separate with commas): {PERMISSIONS}."
    ),
    expires: str = typer.Option(
        None, help="Last day the token works (YYYY-MM-DD), in the organisation's time zone; default: no expiry."
    ),
    customer: int = typer.Option(
        None, "--customer", min=1, max=MAX_ID, help="Limit the token to one customer's objects (portal clients)."
    ),
    issuer_nit: list[str] = typer.Option(
        [],
        "--issuer-nit",
        help="Bind the token to an issuer NIT it submits for and reads (repeat, or separate with commas; "
        "a certifier's token lists many). Only reception:submit and reception:read then.",
    ),
    as_json: bool = JsonOption,
) -> None:
    """Create an API token. Its secret is printed this once only: store it right away."""
    last_day = _last_day(expires)
    with unit_of_work() as session:
        operator = local_principal(local_actor())
        token, secret = service.create_api_token_until(
            session,
            operator.actor,
            name,
            _permissions(permission),
            last_day,
            customer,
            issuer_nits=issuer_nit or None,
            granted_by=operator,
        )
        created = ApiTokenCreatedOut(**ApiTokenOut.model_validate(token).model_dump(), token=secret)
    if as_json:
        emit_json(created)
        return
    until = f", válido hasta el {last_day:%d/%m/%Y}" if last_day else ", sin caducidad"
    if created.issuer_nits is not None:
        until += f", emisores {', '.join(created.issuer_nits)}"
    typer.echo(f"Token {created.id} creado: {created.name} (prefijo {created.prefix}{until}).")
    typer.echo("Guarde este secreto ahora; no se volverá a mostrar:")
    typer.echo(secret)


@app.command("list")
def list_tokens(
    active: bool = typer.Option(False, "--active", help="Leave out revoked tokens."),
    as_json: bool = JsonOption,
) -> None:
    """List API tokens (never their secrets)."""
    with unit_of_work(write=False) as session:
        tokens = [ApiTokenOut.model_validate(t) for t in service.list_api_tokens(session, include_revoked=not active)]
    if as_json:
        emit_json(tokens)
        return
    now = clock.now()
    table(
        f"Tokens de API ({len(tokens)})",
        ["Id", "Nombre", "Prefijo", "Permisos", "Cliente", "Caduca (UTC)", "Estado", "Último uso (UTC)"],
        [
            (
                t.id,
                t.name,
                t.prefix,
                ", ".join(t.permissions),
                t.customer_id,
                _minutes(t.expires_at) or "nunca",
                _status(t, now),
                _minutes(t.last_used_at),
            )
            for t in tokens
        ],
        wrap=("Nombre", "Permisos"),
    )


@app.command("show")
def show(token_id: int = TokenId, as_json: bool = JsonOption) -> None:
    """Show one API token (its secret is never shown again)."""
    with unit_of_work(write=False) as session:
        token = ApiTokenOut.model_validate(service.get_api_token(session, token_id))
    if as_json:
        emit_json(token)
        return
    table(
        f"Token {token.id}",
        ["Campo", "Valor"],
        [
            ("Nombre", token.name),
            ("Prefijo", token.prefix),
            ("Permisos", ", ".join(token.permissions)),
            ("Cliente", token.customer_id),
            ("Emisores (NIT)", ", ".join(token.issuer_nits or ())),
            ("Creado por el usuario", token.created_by_user_id),
            ("Creado (UTC)", _minutes(token.created_at)),
            ("Caduca (UTC)", _minutes(token.expires_at) or "nunca"),
            ("Revocado (UTC)", _minutes(token.revoked_at)),
            ("Último uso (UTC)", _minutes(token.last_used_at)),
            ("Último uso desde", token.last_used_from),
            ("Estado", _status(token, clock.now())),
        ],
    )


@app.command("revoke")
def revoke(token_id: int = TokenId, as_json: bool = JsonOption) -> None:
    """Revoke an API token: it stops working on its next request."""
    with unit_of_work() as session:
        token = ApiTokenOut.model_validate(service.revoke_api_token(session, local_actor(), token_id))
    answer(token, as_json, f"Token {token.id} ({token.name}) revocado; ya no funciona.")
