"""The modules behind issuing import one another one way only, and none of them the invoicing
service (the entry point for everything outside them), so there is no file-level cycle to untangle
when the next capability (e-invoice reception, sequence audit) builds on them."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import grimp

from facturo import invoicing

# Bottom to top: a module may import those before it, never one after it.
ORDER = (
    "amounts",
    "lifecycle",
    "chain",
    "settlement",
    "numbering",
    "drafts",
    "issuing",
    "credit_notes",
    "batch",
    "service",
)


def test_issuing_modules_import_downwards_only() -> None:
    graph = grimp.build_graph("facturo")
    upward = [
        (lower, higher, graph.find_shortest_chain(f"facturo.invoicing.{lower}", f"facturo.invoicing.{higher}"))
        for lower, higher in itertools.combinations(ORDER, 2)
    ]
    assert [found for found in upward if found[2]] == []


def test_no_issuing_module_imports_a_private_name_of_another() -> None:
    private = [
        (module, alias.name)
        for module in ORDER
        for node in ast.walk(ast.parse(Path(invoicing.__file__).with_name(f"{module}.py").read_text()))
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("facturo")
        for alias in node.names
        if alias.name.startswith("_")
    ]
    assert private == []
