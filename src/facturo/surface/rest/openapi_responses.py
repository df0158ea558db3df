"""The error statuses of every API route, written into the OpenAPI document in one place.

Each route answers a set of error statuses that follows from what it is (docs/api.md, "Status
codes"); they are derived here from the route itself rather than written by hand on sixty routes:

* ``401`` when it needs a credential (a ``requires…`` dependency or the signed-in principal);
* ``403`` when that credential must hold a permission;
* ``404`` when its path names a record;
* ``422`` when it takes any input (path, query, body); every ``POST`` too (``Idempotency-Key``);
* ``400`` (a body that cannot be decoded) and ``413`` (``facturo.surface.rest.body_limit``) when it takes a body;
* ``409`` on every write: a conflict with the current state, or with a concurrent request;
* ``503`` everywhere: the database is busy or unavailable.

What only some routes answer (``409`` on a read that needs the organisation profile, ``401``/``429``
on the sign-in, ``404`` for a record named in the body) the route adds with ``responses=errors(…)``.
Every error status carries the one error body of ``facturo.surface.rest.errors``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, Field

from facturo.surface.rest.security import Requires, authenticate

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

DESCRIPTIONS: dict[int, str] = {
    400: "The body cannot be decoded (not UTF-8 JSON).",
    401: "No valid credential (missing, expired, revoked or suspended), or wrong sign-in details.",
    403: "The credential lacks the permission this needs, or cannot grant what was asked.",
    404: "A record the request names does not exist (or is not the caller's to see).",
    409: "The request conflicts with the current state: a duplicate, an invalid transition, an "
    "immutable document, the organisation not configured yet, or a concurrent change.",
    413: "The body is over the size limit of the route (docs/api.md, 'Request size limits').",
    422: "The input is not valid: every problem with its field, rule id and reason.",
    429: "Too many failed sign-ins: wait the time the message says.",
    503: "The database is busy or unavailable; retry.",
}


class ErrorDetailOut(BaseModel):
    field: str = Field(description="Where the problem is, e.g. `lines[0].quantity` or `body`.")
    rule: str = Field(description="A stable rule id, e.g. `nit.check_digit`.")
    message: str = Field(description="The reason, in the caller's language.")


class ErrorInfoOut(BaseModel):
    code: str = Field(description="What kind of error: `validation_error`, `not_found`, `conflict`, …")
    message: str = Field(description="A sentence for a person, in Spanish or English (`Accept-Language`).")
    details: list[ErrorDetailOut]


class ErrorOut(BaseModel):
    """Every error answer of the API has this shape."""

    error: ErrorInfoOut


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Extra error statuses a route answers beyond those derived from its shape."""
    return {status: {"description": DESCRIPTIONS[status]} for status in statuses}


def _requirements(dependant: Dependant) -> tuple[bool, bool]:
    """(needs a credential, needs a permission), from the route's dependency tree."""
    login = permission = False
    for dependency in dependant.dependencies:
        call = dependency.call
        if isinstance(call, Requires):
            login = True
            permission = permission or call.permission is not None
        elif call is authenticate:
            login = True
        sub_login, sub_permission = _requirements(dependency)
        login, permission = login or sub_login, permission or sub_permission
    return login, permission


def route_statuses(route: Any) -> set[int]:
    """The error statuses a route (an ``APIRoute`` or its effective context once included in the
    app, with the router's dependencies) answers because of what it is."""
    statuses = {503}
    login, permission = _requirements(route.dependant)
    if login:
        statuses.add(401)
    if permission:
        statuses.add(403)
    dependant = route.dependant
    if dependant.path_params:
        statuses.add(404)
    has_body = route.body_field is not None
    has_input = has_body or any(
        (dependant.path_params, dependant.query_params, dependant.header_params, dependant.cookie_params)
    )
    methods = set(route.methods or ())
    if has_input or "POST" in methods:
        statuses.add(422)
    if has_body:
        statuses |= {400, 413}
    if methods - READ_METHODS:
        statuses.add(409)
    return statuses


def _names_records(schema: dict[str, Any], node: Any, seen: frozenset[str] = frozenset()) -> bool:
    """Whether a request body names a record by id (``customer_id``, ``lines[].product_id``): a
    record that may not exist, a 404."""
    if isinstance(node, list):
        return any(_names_records(schema, item, seen) for item in node)
    if not isinstance(node, dict):
        return False
    ref = node.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        target = schema.get("components", {}).get("schemas", {}).get(name)
        return name not in seen and _names_records(schema, target, seen | {name})
    if any(key.endswith("_id") for key in node.get("properties", {})):
        return True
    return any(_names_records(schema, value, seen) for value in node.values())


def _error_content(ref: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": ref}}}


def document(app: FastAPI, schema: dict[str, Any]) -> dict[str, Any]:
    """Add each route's error statuses, with the error body, to an OpenAPI document."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(error_schema.pop("$defs", {}))
    components["ErrorOut"] = error_schema
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    ref = "#/components/schemas/ErrorOut"
    for context in iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute) or not context.include_in_schema:
            continue
        path_item = schema.get("paths", {}).get(context.path_format, {})
        for method in context.methods or ():
            operation = path_item.get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            declared = {int(code) for code in responses if code.isdigit() and int(code) >= 400}
            statuses = route_statuses(context) | declared
            if "requestBody" in operation:  # also a body read by the route itself (an upload)
                statuses |= {413}
                if _names_records(schema, operation["requestBody"]):
                    statuses |= {404}
            for status in sorted(statuses):
                entry = responses.setdefault(str(status), {"description": DESCRIPTIONS[status]})
                if status == 422 or "content" not in entry:
                    entry["description"] = entry.get("description") or DESCRIPTIONS[status]
                    if entry["description"] == "Validation Error":
                        entry["description"] = DESCRIPTIONS[422]
                    entry["content"] = _error_content(ref)
            operation["responses"] = dict(sorted(responses.items()))
    return schema


def _has_id(schema: dict[str, Any], response: dict[str, Any]) -> bool:
    body = response.get("content", {}).get("application/json", {}).get("schema", {})
    ref = body.get("$ref", "")
    target = schema.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[-1], {}) if ref else body
    return "id" in target.get("properties", {})


def _body_properties(schema: dict[str, Any], operation: dict[str, Any]) -> set[str]:
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    ref = body.get("$ref", "")
    target = schema.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[-1], {}) if ref else body
    return set(target.get("properties", {}))


def link(schema: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI links from each operation that creates a record to the operations on it: the
    ``201`` of ``POST /api/v1/customers`` links to every ``/api/v1/customers/{customer_id}…``
    operation, with the new record's ``id`` as the path parameter. Clients (and the stateful
    phase of the conformance test) follow them."""
    paths: dict[str, dict[str, Any]] = schema.get("paths", {})
    for path, item in paths.items():
        for method, operation in item.items():
            created = operation.get("responses", {}).get("201")
            if method != "post" or created is None:
                continue
            has_id, sent = _has_id(schema, created), _body_properties(schema, operation)
            links: dict[str, Any] = {}
            # Records live under the path that creates them, or (payments of an invoice) under
            # their own collection: /api/v1/invoices/{invoice_id}/payments -> /api/v1/payments/{…}.
            homes = (path + "/", "/api/v1/" + path.rsplit("/", 1)[-1] + "/")
            for other_path, other_item in paths.items():
                home = next((h for h in homes if other_path.startswith(h + "{")), None)
                if home is None:
                    continue
                rest = other_path.removeprefix(home)
                name = rest[1 : rest.index("}")]
                # The new record's id from the answer, or its key (a code) from the request.
                value = "$response.body#/id" if has_id else f"$request.body#/{name}" if name in sent else None
                if value is None:
                    continue
                for other_method, other in other_item.items():
                    links[other["operationId"]] = {
                        "operationId": other["operationId"],
                        "parameters": {f"path.{name}": value},
                        "description": f"{other_method.upper()} {other_path} on the record just created.",
                    }
            if links:
                created["links"] = links
    return schema


def install(app: FastAPI) -> None:
    """Serve the document with the error statuses (built once, like FastAPI's own)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
                servers=app.servers,
            )
            app.openapi_schema = link(document(app, schema))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
