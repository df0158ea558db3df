"""Starting the app does not load what only some requests need: the PDF stack (fpdf2, Pillow,
fonts) loads on the first PDF, Alembic only when the app migrates itself. ``facturo`` loads a
domain's commands only when one of them runs, so ``facturo serve`` and its worker processes pay
only for serving. Time and memory are measured in bench/ (start_speed.py), not here."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from facturo.cli.main import LAZY_COMMANDS, app


def loaded_after(module: str, candidates: tuple[str, ...]) -> list[str]:
    probe = f"import json, sys, {module}; print(json.dumps(sorted(m for m in {candidates!r} if m in sys.modules)))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    return list(json.loads(result.stdout))


def test_the_app_starts_without_the_pdf_stack_or_alembic() -> None:
    assert loaded_after("facturo.api.app", ("fpdf", "PIL", "alembic", "mako")) == []


def test_the_command_line_loads_no_domain_and_no_web_stack_until_a_command_runs() -> None:
    heavy = (
        "fastapi",
        "sqlalchemy",
        "alembic",
        "facturo.api.app",
        *(module for module, _, _ in LAZY_COMMANDS.values()),
    )
    assert loaded_after("facturo.cli.main", heavy) == []


def test_help_still_lists_every_command() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for name in ("serve", "db", "demo", *LAZY_COMMANDS):
        assert name in result.output
    report = CliRunner().invoke(app, ["usage", "report", "--help"])
    assert report.exit_code == 0, report.output
