"""``facturo users``, driven as an operator would."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import Result
from sqlalchemy import text
from typer.testing import CliRunner

from facturo.cli.main import app
from tests.cli.test_cli import cli_env


def typed(*args: str, input: str) -> Result:
    return CliRunner().invoke(app, list(args), input=input)


def test_create_admin_list_and_deactivate(tmp_path: Path) -> None:
    with cli_env(tmp_path) as run:
        from facturo.surface.console.context import database

        created = typed(
            "users",
            "create-admin",
            "--email",
            "Jefa@Empresa.GT",
            "--name",
            "La Jefa",
            "--password-stdin",
            input="una-contraseña-segura\n",
        )
        assert created.exit_code == 0, created.output
        assert "Administrador 1 creado: La Jefa <jefa@empresa.gt>." in created.output

        listed = run("users", "list", "--json")
        assert listed.exit_code == 0, listed.output
        [user] = json.loads(listed.output)
        assert (user["email"], user["role"], user["active"]) == ("jefa@empresa.gt", "admin", True)
        assert "password" not in listed.output

        with database().unit_of_work(write=False) as session:
            stored = session.execute(text("SELECT password_hash FROM users")).scalar_one()
            actor = session.execute(text("SELECT actor_kind FROM history_records WHERE entity_type = 'user'")).scalar()
        assert stored.startswith("$argon2id$")
        assert actor == "local"

        assert run("users", "deactivate", "1").exit_code == 0
        assert "no" in run("users", "list").output


def test_create_admin_prompts_twice_and_checks_the_policy(tmp_path: Path) -> None:
    with cli_env(tmp_path):
        mismatch = typed(
            "users",
            "create-admin",
            "--email",
            "a@empresa.gt",
            "--name",
            "A",
            input="una-contraseña-segura\notra-contraseña-distinta\n",
        )
        assert mismatch.exit_code == 2
        assert "no coinciden" in mismatch.output

        weak = typed("users", "create-admin", "--email", "a@empresa.gt", "--name", "A", input="corta\ncorta\n")
        assert weak.exit_code == 2
        assert "al menos 10 caracteres" in weak.output
