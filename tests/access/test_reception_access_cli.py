"""``facturo users create --role issuer --issuer-nit …`` and ``facturo tokens create … --issuer-nit …``
bind a person or a submitter token to issuers, as an operator would type them."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import Result
from typer.testing import CliRunner

from facturo.cli.main import app
from tests.cli.test_cli import cli_env, flat


def typed(*args: str, input: str = "") -> Result:
    return CliRunner().invoke(app, list(args), input=input)


def test_the_cli_binds_users_and_tokens_to_issuer_nits(tmp_path: Path) -> None:
    with cli_env(tmp_path) as run:
        person = ("users", "create", "--email", "certificadora@acceso.test", "--name", "Certificadora")
        refused = typed(*person, "--role", "issuer", "--password-stdin", input="una-contraseña-segura\n")
        assert refused.exit_code != 0
        assert "debe estar vinculado a uno o más NIT de emisores" in flat(refused.output)
        bad = typed(
            *person,
            "--role",
            "issuer",
            "--issuer-nit",
            "1234567-1",
            "--password-stdin",
            input="una-contraseña-segura\n",
        )
        assert bad.exit_code != 0 and "1234567-1" in flat(bad.output)
        created = typed(
            *person,
            "--role",
            "issuer",
            "--issuer-nit",
            "4567123-0,7719300-8",
            "--issuer-nit",
            "1000000-3",
            "--password-stdin",
            input="una-contraseña-segura\n",
        )
        assert created.exit_code == 0, created.output
        assert "rol issuer, emisores 10000003, 45671230, 77193008." in flat(created.output)
        [user] = json.loads(run("users", "list", "--json").stdout)
        assert user["issuer_nits"] == ["10000003", "45671230", "77193008"]

        token = run(
            "tokens", "create", "--name", "Envíos", "-p", "reception:submit", "--issuer-nit", "4567123-0", "--json"
        )
        assert token.exit_code == 0, token.output
        shown = json.loads(token.stdout)
        assert (shown["permissions"], shown["issuer_nits"]) == (["reception:submit"], ["45671230"])
        beyond = run("tokens", "create", "--name", "Mal", "-p", "invoices:read", "--issuer-nit", "4567123-0")
        assert beyond.exit_code != 0
        assert "Un token vinculado a emisores no admite estos permisos: invoices:read." in flat(beyond.output)
        detail = flat(run("tokens", "show", str(shown["id"])).output)
        assert "Emisores (NIT)" in detail and "45671230" in detail
