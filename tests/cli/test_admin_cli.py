"""Administering facturo from a terminal: ``facturo organisation``, ``users`` and ``tokens``, driven as an
operator would, on a fresh data directory each."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from facturo.cli.main import app
from tests.cli.test_cli import Run, as_json, cli_env, flat

PASSWORD = "una-contraseña-segura"
NOT_CONFIGURED = "La organización aún no está configurada"


def typed(*args: str, input: str) -> Result:
    """A command that reads the terminal (a password prompt or --password-stdin)."""
    return CliRunner().invoke(app, list(args), input=input)


def refused(result: Result, exit_code: int, message: str) -> None:
    """The command stopped with a message for people, not a traceback."""
    assert result.exit_code == exit_code, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert message in flat(result.output)


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[Run]:
    with cli_env(tmp_path) as run:
        yield run


@pytest.fixture
def configured(cli: Run) -> Run:
    """A database whose organisation profile is saved."""
    done = cli("organisation", "set", "--name", "Ferretería El Martillo, S.A.", "--nit", "576937-K")
    assert done.exit_code == 0, done.output
    return cli


def create_user(email: str, role: str, *extra: str) -> Result:
    args = ("users", "create", "--email", email, "--name", email.split("@")[0], "--role", role)
    return typed(*args, *extra, "--password-stdin", input=f"{PASSWORD}\n")


def can_log_in(email: str, password: str) -> bool:
    from facturo.auth import service
    from facturo.surface.console.context import database

    with database().unit_of_work() as session:
        try:
            service.login(session, email, password, "127.0.0.1")
        except service.Unauthenticated:
            return False
    return True


# --- a fresh installation, from nothing to a sellable product ---------------------------------------


def test_fresh_database_walk(cli: Run) -> None:
    admin = typed(
        "users", "create-admin", "--email", "jefa@martillo.gt", "--name", "La Jefa", "--password-stdin", input=PASSWORD
    )
    assert admin.exit_code == 0, admin.output
    assert flat(admin.output) == "Administrador 1 creado: La Jefa <jefa@martillo.gt>."

    saved = cli(
        "organisation",
        "set",
        "--name",
        "Ferretería El Martillo, S.A.",
        "--nit",
        "576937k",
        "--trade-name",
        "El Martillo",
        "--address",
        "6a Avenida 1-23, Zona 1, Guatemala",
        "--email",
        "facturas@martillo.gt",
        "--phone",
        "+502 2222 3333",
    )
    assert saved.exit_code == 0, saved.output
    assert flat(saved.output) == "Perfil de la organización guardado: Ferretería El Martillo, S.A. (NIT 576937-K)."

    profile = as_json(cli("organisation", "show", "--json"))
    assert {k: v for k, v in profile.items() if k != "id"} == {
        "name": "Ferretería El Martillo, S.A.",
        "trade_name": "El Martillo",
        "nit": "576937-K",
        "address": "6a Avenida 1-23, Zona 1, Guatemala",
        "establishment_code": "1",
        "email": "facturas@martillo.gt",
        "phone": "+502 2222 3333",
        "currency": "GTQ",
        "timezone": "America/Guatemala",
    }
    shown = flat(cli("organisation", "show").output)
    assert "Razón social │ Ferretería El Martillo, S.A." in shown
    assert "NIT │ 576937-K" in shown

    # A new organisation can number documents at once: series A and NC come with it.
    series = as_json(cli("organisation", "series", "list", "--json"))
    assert [(s["code"], s["document_type"], s["is_default"], s["next_number"]) for s in series] == [
        ("A", "invoice", True, 1),
        ("NC", "credit_note", True, 1),
    ]
    created = cli("organisation", "series", "create", "--code", "fe", "--default")
    assert created.exit_code == 0, created.output
    assert flat(created.output) == "Serie FE creada para facturas (prefijo FE-, predeterminada)."
    series = as_json(cli("organisation", "series", "list", "--json"))
    defaults = {s["code"] for s in series if s["is_default"]}
    assert defaults == {"FE", "NC"}  # the new default took over from A

    category = as_json(cli("catalog", "categories", "create", "--name", "Herramientas", "--json"))
    product = cli(
        "catalog",
        "products",
        "create",
        "--code",
        "MART-16",
        "--name",
        "Martillo 16 oz",
        "--price",
        "125.50",
        "--category",
        str(category["id"]),
        "--stock",
        "10",
    )
    assert product.exit_code == 0, product.output
    assert flat(product.output) == "Producto 1 creado: MART-16 Martillo 16 oz, precio 125.50."
    assert cli("catalog", "stock", "adjust", "1", "--delta", "-3", "--reason", "Conteo físico").exit_code == 0

    stored = as_json(cli("catalog", "products", "show", "1", "--json"))
    assert (stored["unit_price"], stored["tax_rate"], stored["price_includes_tax"]) == ("125.500000", "0.1200", True)
    assert (stored["category_id"], stored["stock"]) == (category["id"], "7.000000")
    [price] = as_json(cli("catalog", "prices", "list", "1", "--json"))
    assert price["unit_price"] == "125.500000"
    stock = as_json(cli("catalog", "stock", "show", "1", "--json"))
    assert [(m["delta"], m["stock"], m["reason"]) for m in stock["movements"]] == [("-3", "7.000000", "Conteo físico")]


# --- organisation -----------------------------------------------------------------------------------


def test_show_before_the_organisation_is_set_up_says_what_to_do(cli: Run) -> None:
    result = cli("organisation", "show")
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit)
    assert NOT_CONFIGURED in flat(result.output)
    # A list is empty before the profile exists, as on the API (docs/api.md, "A fresh installation").
    assert as_json(cli("organisation", "series", "list", "--json")) == []


def test_the_first_set_needs_a_name_and_a_nit(cli: Run) -> None:
    refused(
        cli("organisation", "set", "--name", "Sin NIT"),
        2,
        "La organización aún no está registrada: indique al menos su nombre y su NIT.",
    )
    refused(
        cli("organisation", "set", "--name", "Mal NIT", "--nit", "123"),
        2,
        "El NIT 123 no es válido: el dígito verificador no corresponde (para 12 debería ser 4).",
    )
    refused(cli("organisation", "set", "--name", "CF", "--nit", "CF"), 2, "El emisor necesita un NIT propio, no CF.")
    assert NOT_CONFIGURED in flat(cli("organisation", "show").output)  # nothing was saved


def test_set_changes_only_the_given_fields(configured: Run) -> None:
    before = as_json(configured("organisation", "show", "--json"))
    assert configured("organisation", "set", "--phone", "+502 5555 0000", "--trade-name", "Martillo").exit_code == 0
    after = as_json(configured("organisation", "show", "--json"))
    assert after == before | {"phone": "+502 5555 0000", "trade_name": "Martillo"}

    # An empty value clears an optional field; the rest stays.
    assert configured("organisation", "set", "--trade-name", "").exit_code == 0
    assert as_json(configured("organisation", "show", "--json")) == after | {"trade_name": ""}
    # Saving again does not add series.
    assert len(as_json(configured("organisation", "series", "list", "--json"))) == 2


def test_set_refuses_bad_values_and_keeps_the_profile(configured: Run) -> None:
    before = as_json(configured("organisation", "show", "--json"))
    refused(configured("organisation", "set", "--timezone", "Marte/Base"), 2, "Zona horaria desconocida: Marte/Base.")
    refused(configured("organisation", "set", "--currency", "QQQ"), 2, "Moneda desconocida: QQQ.")
    refused(configured("organisation", "set", "--nit", "576937-0"), 2, "El NIT 576937-0 no es válido")
    refused(configured("organisation", "set", "--name", ""), 2, "Datos no válidos: name")
    assert as_json(configured("organisation", "show", "--json")) == before


def test_series_are_unique_and_typed(configured: Run) -> None:
    credit = as_json(
        configured(
            "organisation", "series", "create", "--code", "NCB", "--prefix", "NC-B-", "--type", "credit_note", "--json"
        )
    )
    assert (credit["code"], credit["prefix"], credit["document_type"], credit["is_default"]) == (
        "NCB",
        "NC-B-",
        "credit_note",
        False,
    )
    refused(configured("organisation", "series", "create", "--code", "a"), 4, "La serie A ya existe.")
    refused(
        configured("organisation", "series", "create", "--code", "X", "--type", "recibo"),
        2,
        "Datos no válidos: document_type",
    )
    refused(configured("organisation", "series", "create", "--code", "no vale"), 2, "Datos no válidos: code")
    codes = [s["code"] for s in as_json(configured("organisation", "series", "list", "--json"))]
    assert codes == ["A", "NC", "NCB"]


# --- users ------------------------------------------------------------------------------------------


def test_users_with_each_role(cli: Run) -> None:
    accountant = create_user("Conta@Martillo.GT", "accountant")
    assert accountant.exit_code == 0, accountant.output
    assert flat(accountant.output) == "Usuario 1 creado: Conta <conta@martillo.gt>, rol accountant."
    assert create_user("auditora@martillo.gt", "Auditor").exit_code == 0

    customer = as_json(cli("customers", "create", "--nit", "CF", "--name", "Cliente del portal", "--json"))
    portal = create_user("portal@cliente.gt", "customer", "--customer", str(customer["id"]), "--json")
    stored = as_json(portal)
    assert (stored["role"], stored["customer_id"], stored["active"]) == ("customer", customer["id"], True)

    listed = as_json(cli("users", "list", "--json"))
    assert [(u["email"], u["role"]) for u in listed] == [
        ("conta@martillo.gt", "accountant"),
        ("auditora@martillo.gt", "auditor"),
        ("portal@cliente.gt", "customer"),
    ]
    assert "password" not in cli("users", "list", "--json").output
    shown = as_json(cli("users", "show", str(stored["id"]), "--json"))
    assert shown == stored
    assert can_log_in("conta@martillo.gt", PASSWORD)


def test_user_creation_refuses_bad_input_clearly(cli: Run) -> None:
    assert create_user("conta@martillo.gt", "accountant").exit_code == 0
    refused(create_user("CONTA@martillo.gt", "auditor"), 4, "Ya existe un usuario con el correo conta@martillo.gt.")
    refused(
        create_user("jefe@martillo.gt", "jefe"),
        2,
        "El rol «jefe» no existe; opciones: admin, accountant, auditor, customer, issuer, analyst.",
    )
    refused(create_user("sin-arroba", "auditor"), 2, "El correo «sin-arroba» no es válido.")
    refused(
        create_user("portal@cliente.gt", "customer"),
        2,
        "Un usuario con rol «customer» debe estar vinculado a un cliente",
    )
    refused(create_user("portal@cliente.gt", "customer", "--customer", "77"), 3, "No existe el cliente 77.")
    refused(
        create_user("conta2@martillo.gt", "accountant", "--customer", "1"),
        2,
        "Solo los usuarios con rol «customer» se vinculan a un cliente",
    )
    weak = typed(
        "users", "create", "--email", "d@martillo.gt", "--name", "D", "--role", "auditor", input="corta\ncorta\n"
    )
    refused(weak, 2, "al menos 10 caracteres")
    assert len(as_json(cli("users", "list", "--json"))) == 1


def test_password_sets_a_new_one_and_ends_the_old(cli: Run) -> None:
    assert create_user("conta@martillo.gt", "accountant").exit_code == 0
    changed = typed("users", "password", "1", input="otra-contraseña-larga\notra-contraseña-larga\n")
    assert changed.exit_code == 0, changed.output
    assert "Contraseña de conta@martillo.gt cambiada; sus sesiones abiertas se cerraron." in flat(changed.output)
    assert can_log_in("conta@martillo.gt", "otra-contraseña-larga")
    assert not can_log_in("conta@martillo.gt", PASSWORD)

    refused(typed("users", "password", "1", input="una-más-larga\nno-coincide\n"), 2, "Las contraseñas no coinciden.")
    refused(typed("users", "password", "9", "--password-stdin", input=f"{PASSWORD}\n"), 3, "No existe el usuario 9.")
    refused(typed("users", "password", "1", "--password-stdin", input="\n"), 2, "No se recibió ninguna contraseña")


def test_deactivate_and_activate(cli: Run) -> None:
    assert create_user("conta@martillo.gt", "accountant").exit_code == 0
    off = cli("users", "deactivate", "1")
    assert flat(off.output) == "Usuario 1 (conta@martillo.gt) desactivado."
    assert as_json(cli("users", "show", "1", "--json"))["active"] is False
    assert not can_log_in("conta@martillo.gt", PASSWORD)
    assert as_json(cli("users", "activate", "1", "--json"))["active"] is True
    assert can_log_in("conta@martillo.gt", PASSWORD)
    refused(cli("users", "deactivate", "42"), 3, "No existe el usuario 42.")
    unknown = cli("users", "show", "abc")
    assert unknown.exit_code == 2 and isinstance(unknown.exception, SystemExit)


# --- API tokens -------------------------------------------------------------------------------------


END_OF_2030_IN_GUATEMALA = datetime(2031, 1, 1, 6, tzinfo=UTC)


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def resolves(secret: str) -> Any:
    """What the API would let a client holding this secret do (its permissions), or the refusal."""
    from facturo.auth import service
    from facturo.surface.console.context import database

    with database().unit_of_work(write=False) as session:
        try:
            return sorted(p.value for p in service.resolve_bearer(session, secret).permissions)
        except service.Unauthenticated as exc:
            return exc.message.es


def test_token_secret_is_shown_once_and_works_until_revoked(configured: Run) -> None:
    created = configured(
        "tokens", "create", "--name", "Contabilidad", "-p", "invoices:read,customers:read", "-p", "catalog:read"
    )
    assert created.exit_code == 0, created.output
    lines = created.output.strip().splitlines()
    assert lines[0].startswith("Token 1 creado: Contabilidad (prefijo ")
    assert lines[0].endswith(", sin caducidad).")
    assert lines[1] == "Guarde este secreto ahora; no se volverá a mostrar:"
    secret = lines[2]
    assert secret.startswith("fct_")
    assert resolves(secret) == ["catalog:read", "customers:read", "invoices:read"]

    listed = configured("tokens", "list", "--json")
    [token] = as_json(listed)
    assert secret not in listed.output and secret not in configured("tokens", "show", "1").output
    assert (token["name"], token["prefix"], token["revoked_at"]) == ("Contabilidad", secret[4:12], None)
    assert "activo" in configured("tokens", "list").output

    revoked = configured("tokens", "revoke", "1")
    assert flat(revoked.output) == "Token 1 (Contabilidad) revocado; ya no funciona."
    assert resolves(secret) == "El token de API fue revocado."
    assert as_json(configured("tokens", "show", "1", "--json"))["revoked_at"] is not None
    assert as_json(configured("tokens", "list", "--active", "--json")) == []
    refused(configured("tokens", "revoke", "5"), 3, "No existe el token 5.")


def test_token_expiry_and_customer_scope(configured: Run) -> None:
    until = as_json(
        configured("tokens", "create", "--name", "Temporal", "-p", "reports:read", "--expires", "31/12/2030", "--json")
    )
    # The last day is whole in Guatemala (UTC-6): the token stops at midnight there.
    assert instant(until["expires_at"]) == END_OF_2030_IN_GUATEMALA
    assert until["token"].startswith("fct_")
    assert as_json(configured("tokens", "show", str(until["id"]), "--json"))["expires_at"] == "2031-01-01T06:00:00Z"

    customer = as_json(configured("customers", "create", "--nit", "CF", "--name", "Portal", "--json"))
    scoped = as_json(
        configured(
            "tokens", "create", "--name", "Portal", "-p", "invoices:read", "--customer", str(customer["id"]), "--json"
        )
    )
    assert scoped["customer_id"] == customer["id"]
    refused(
        configured("tokens", "create", "--name", "Portal", "-p", "invoices:write", "--customer", str(customer["id"])),
        2,
        "Un token de cliente no admite estos permisos: invoices:write.",
    )


def test_token_creation_refuses_bad_input_clearly(configured: Run) -> None:
    refused(
        configured("tokens", "create", "--name", "X", "-p", "invoices:reed"), 2, "Permisos desconocidos: invoices:reed."
    )
    refused(configured("tokens", "create", "--name", "X", "-p", ","), 2, "Indique al menos un permiso para el token.")
    refused(
        configured("tokens", "create", "--name", "X", "-p", "invoices:read", "--expires", "2020-01-01"),
        2,
        "La fecha de caducidad debe estar en el futuro",
    )
    refused(
        configured("tokens", "create", "--name", "X", "-p", "invoices:read", "--expires", "31/13/2030"),
        2,
        "--expires debe ser una fecha AAAA-MM-DD o DD/MM/AAAA (recibido: 31/13/2030).",
    )
    refused(configured("tokens", "create", "--name", " ", "-p", "invoices:read"), 2, "El nombre es obligatorio")
    refused(
        configured("tokens", "create", "--name", "X", "-p", "invoices:read", "--customer", "8"),
        3,
        "No existe el cliente 8.",
    )
    assert as_json(configured("tokens", "list", "--json")) == []


def test_the_local_operator_is_a_full_admin_and_grants_anything(configured: Run) -> None:
    """Whoever runs the CLI on the server already owns the database: the grant rule (nobody grants
    more than they hold) lets them create administrators and all-permission tokens."""
    from facturo.kit.access import Permission

    admin = typed(
        "users", "create-admin", "--email", "otra@martillo.gt", "--name", "Otra", "--password-stdin", input=PASSWORD
    )
    assert admin.exit_code == 0, admin.output
    assert create_user("segunda@martillo.gt", "admin", "--json").exit_code == 0
    everything = sorted(p.value for p in Permission)
    created = as_json(configured("tokens", "create", "--name", "Todo", "-p", ",".join(everything), "--json"))
    assert created["permissions"] == everything
    # Made by no person, the token answers to no one who could be deactivated.
    assert created["created_by_user_id"] is None
    assert configured("users", "deactivate", "1").exit_code == 0
    assert resolves(created["token"]) == everything


@pytest.mark.parametrize(("trusted", "proxy_headers"), [("", False), ("10.0.0.0/8, 192.0.2.254", True)])
def test_serve_believes_proxy_headers_only_from_trusted_proxies(
    cli: Run, monkeypatch: pytest.MonkeyPatch, trusted: str, proxy_headers: bool
) -> None:
    import uvicorn

    from facturo.kit.auth_settings import get_auth_settings

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: seen.update(kwargs))
    monkeypatch.setenv("FACTURO_TRUSTED_PROXIES", trusted)
    monkeypatch.setenv("FACTURO_WARM_CACHES", "false")  # serve sets it when unset; restored after the test
    get_auth_settings.cache_clear()
    try:
        served = cli("serve")
    finally:
        get_auth_settings.cache_clear()
    assert served.exit_code == 0, served.output
    assert seen["proxy_headers"] is proxy_headers
    assert seen["forwarded_allow_ips"] == [p.strip() for p in trusted.split(",") if p.strip()]
