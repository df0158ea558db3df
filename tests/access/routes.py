"""Every API route of the app, with the permission it declares (shared by the access tests)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.params import Depends
from fastapi.routing import APIRoute

from facturo.kit.access import Permission
from facturo.surface.rest.security import Requires

_PARAM = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")
# Query parameters a route requires, so that a caller it allows gets past validation to the answer.
REQUIRED_QUERY: dict[str, dict[str, str]] = {
    "/api/v1/reception/issuers/{issuer_nit}/summary": {"from": "2026-01-01", "to": "2026-12-31"},
}
Ids = Mapping[str, int | str]


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    declared: tuple[Requires, ...]
    has_body: bool

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def permission(self) -> Permission | None:
        """The one permission the route declares (None: being signed in is enough)."""
        assert len(self.declared) == 1, f"{self.label} declares {len(self.declared)} requirements"
        return self.declared[0].permission

    def url(self, ids: Ids | None = None) -> str:
        ids = ids or {}
        return _PARAM.sub(lambda m: str(ids.get(m.group(1), 1)), self.path)

    def call(self, client: Any, ids: Ids | None = None, **kwargs: Any) -> Any:
        if self.has_body:
            kwargs.setdefault("json", {})
        if self.path in REQUIRED_QUERY:
            kwargs.setdefault("params", REQUIRED_QUERY[self.path])
        return client.request(self.method, self.url(ids), **kwargs)


def _walk(routes: Iterable[Any], prefix: str, inherited: Sequence[Any]) -> Iterator[tuple[str, APIRoute, list[Any]]]:
    for route in routes:
        if isinstance(route, APIRoute):
            # Web pages (not in the OpenAPI schema) have their own access tests in tests/web.
            if route.include_in_schema:
                # path_format: the path as documented, without convertors ({invoice_id}, not {invoice_id:int})
                yield prefix + route.path_format, route, [*inherited, *route.dependencies]
        elif hasattr(route, "original_router"):  # fastapi's _IncludedRouter
            context = getattr(route, "include_context", None)
            yield from _walk(
                route.original_router.routes,
                prefix + (getattr(context, "prefix", "") or ""),
                [*inherited, *(getattr(context, "dependencies", None) or [])],
            )


def endpoints(app: FastAPI) -> list[Endpoint]:
    found: list[Endpoint] = []
    for path, route, dependencies in _walk(app.routes, "", []):
        declared = tuple(
            d.dependency for d in dependencies if isinstance(d, Depends) and isinstance(d.dependency, Requires)
        )
        for method in sorted(route.methods or ()):
            found.append(Endpoint(method, path, declared, route.body_field is not None))
    return found
