"""Count the domain-service functions each action of an adapter reaches (docs/architecture.md).

An *action* is a function registered on a router (``@router.get``, ``.post``, …) or a Typer app
(``@app.command``) in a domain's adapter modules (``<domain>.api``, ``.pages``, ``.cli`` and their
submodules). A *service function* is a lowercase callable taken from one of a domain's other
modules (its service, queries, schemas' helpers…). Helpers defined in adapter modules are
followed, so a page that delegates to ``_render(…)`` is charged with what ``_render`` calls.

Read with ``ast`` only: nothing is imported, so the count works on any checkout.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2] / "src" / "facturo"
NOT_DOMAINS = frozenset({"kit", "surface", "api", "web", "cli", "migrations", "demo"})
ADAPTER_ROOTS = frozenset({"api", "pages", "cli"})
ROUTE_DECORATORS = frozenset({"get", "post", "put", "patch", "delete", "command", "callback", "api_route"})


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SOURCE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_adapter(module: str) -> bool:
    parts = module.split(".")
    return len(parts) >= 3 and parts[1] not in NOT_DOMAINS and parts[2] in ADAPTER_ROOTS


def is_service(module: str) -> bool:
    parts = module.split(".")
    return len(parts) >= 3 and parts[1] not in NOT_DOMAINS and parts[2] not in ADAPTER_ROOTS


@dataclass
class Module:
    name: str
    tree: ast.Module
    # local name -> ("module", dotted) for module aliases, ("name", dotted.attr) for imported names
    bindings: dict[str, tuple[str, str]] = field(default_factory=dict)
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=dict)


def _modules_known() -> set[str]:
    return {module_name(p) for p in SOURCE.rglob("*.py")}


def load() -> dict[str, Module]:
    known = _modules_known()
    modules: dict[str, Module] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        name = module_name(path)
        if not is_adapter(name):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module = Module(name, tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    local = alias.asname or alias.name
                    dotted = f"{node.module}.{alias.name}"
                    module.bindings[local] = ("module", dotted) if dotted in known else ("name", dotted)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        module.bindings[alias.asname] = ("module", alias.name)
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                module.functions[node.name] = node
        modules[name] = module
    return modules


def _is_action(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute) and target.attr in ROUTE_DECORATORS:
            return True
    return False


def _calls(node: ast.AST) -> Iterator[ast.Call]:
    for child in ast.walk(node):
        if isinstance(child, ast.Call):
            yield child


def _targets(module: Module, call: ast.Call) -> Iterator[tuple[str, str]]:
    """(kind, dotted): kind "service" for a service function, "helper" for an adapter function."""
    func = call.func
    if isinstance(func, ast.Name):
        if func.id in module.functions:
            yield "helper", f"{module.name}.{func.id}"
        elif func.id in module.bindings:
            kind, dotted = module.bindings[func.id]
            owner, _, attr = dotted.rpartition(".")
            if kind == "name" and attr[:1].islower():
                if is_service(owner):
                    yield "service", dotted
                elif is_adapter(owner):
                    yield "helper", dotted
    elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.attr[:1].islower():
        binding = module.bindings.get(func.value.id)
        if binding is not None and binding[0] == "module":
            owner = binding[1]
            if is_service(owner):
                yield "service", f"{owner}.{func.attr}"
            elif is_adapter(owner):
                yield "helper", f"{owner}.{func.attr}"


def service_calls(modules: dict[str, Module]) -> dict[str, set[str]]:
    """Each action (``module:function``) and the service functions it reaches."""
    memo: dict[str, set[str]] = {}

    def reached(dotted: str, seen: frozenset[str]) -> set[str]:
        if dotted in memo:
            return memo[dotted]
        owner, _, name = dotted.rpartition(".")
        module = modules.get(owner)
        node = module.functions.get(name) if module else None
        if module is None or node is None or dotted in seen:
            return set()
        found: set[str] = set()
        for call in _calls(node):
            for kind, target in _targets(module, call):
                if kind == "service":
                    found.add(target)
                else:
                    found |= reached(target, seen | {dotted})
        memo[dotted] = found
        return found

    actions: dict[str, set[str]] = {}
    for module in modules.values():
        for name, node in module.functions.items():
            if _is_action(node):
                actions[f"{module.name}:{name}"] = reached(f"{module.name}.{name}", frozenset())
    return actions


def main() -> None:
    actions = service_calls(load())
    crowded = {a: c for a, c in actions.items() if len(c) > 1}
    for action, calls in sorted(crowded.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        print(f"{len(calls):2}  {action}: {', '.join(sorted(calls))}")
    print(f"{len(crowded)} of {len(actions)} actions reach more than one service function")


if __name__ == "__main__":
    main()
