"""The house's shape (docs/architecture.md): layers that point down, checked by import-linter, and
one service call per action, counted by ``service_calls.py``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.architecture.service_calls import load, service_calls

REPO = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path, package_parent: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=root, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def planted_tree(tmp_path: Path) -> Path:
    """A copy of the package and its contracts, to plant wrong imports in."""
    shutil.copytree(REPO / "src" / "facturo", tmp_path / "facturo", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def plant(tree: Path, module: str, line: str) -> None:
    path = tree / (module.replace(".", "/") + ".py")
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}  # noqa: F401\n", encoding="utf-8")


def test_the_tree_keeps_its_layers() -> None:
    result = lint_imports(REPO, REPO / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "named"),
    [
        (
            "facturo.kit.clock",
            "from facturo.invoicing import service as _upward",
            [
                "facturo.kit is not allowed to import facturo.invoicing",
                "facturo.kit.clock -> facturo.invoicing.service",
            ],
        ),
        (
            "facturo.customers.service",
            "from facturo.catalog import service as _sideways",
            ["facturo.customers is not allowed to import facturo.catalog"],
        ),
        (
            "facturo.invoicing.drafts",
            "from facturo.usage import service as _upward",
            ["facturo.invoicing is not allowed to import facturo.usage"],
        ),
        (
            "facturo.customers.service",
            "from facturo.surface.rest import routing as _adapter_helper",
            ["Illegal imports of protected package facturo.surface", "facturo.customers.service -> facturo.surface"],
        ),
        (
            "facturo.usage.billing",
            "from facturo.catalog import api as _adapter",
            [
                "Illegal imports of protected package facturo.catalog.api",
                "facturo.usage.billing -> facturo.catalog.api",
            ],
        ),
        (
            "facturo.kit.errors",
            "from facturo.kit import clock as _cycle",
            ["No cycles are allowed in facturo.kit", ".errors -> .clock"],
        ),
    ],
)
def test_a_wrong_import_fails_with_its_name(tmp_path: Path, module: str, line: str, named: list[str]) -> None:
    tree = planted_tree(tmp_path)
    plant(tree, module, line)
    result = lint_imports(tree, tree)
    assert result.returncode == 1, result.stdout
    for text in named:
        assert text in result.stdout


def crowded_now() -> dict[str, set[str]]:
    return {action: calls for action, calls in service_calls(load()).items() if len(calls) > 1}


def test_the_counter_sees_every_surface() -> None:
    actions = service_calls(load())
    # Each domain with adapters shows up, so a renamed decorator or module cannot empty the count.
    domains = {action.split(".")[1] for action in actions}
    expected = {
        "catalog",
        "customers",
        "invoicing",
        "usage",
        "reports",
        "auth",
        "portal",
        "reception",
        "sequence_audit",
    }
    assert expected <= domains
    assert len(actions) > 150


def test_actions_make_one_service_call() -> None:
    crowded = sorted(f"{a}: {', '.join(sorted(c))}" for a, c in crowded_now().items())
    assert not crowded, "actions reaching more than one service function:\n" + "\n".join(crowded)


def test_no_adapter_computes_today() -> None:
    offenders = []
    for path in sorted((REPO / "src" / "facturo").rglob("*.py")):
        parts = path.relative_to(REPO / "src" / "facturo").parts
        if len(parts) > 1 and parts[1].removesuffix(".py") in {"api", "pages", "cli"}:
            text = path.read_text(encoding="utf-8")
            if "def _today" in text or "clock.today(" in text:
                offenders.append(str(path.relative_to(REPO)))
    assert not offenders, offenders
