"""Error responses. Every error the API returns has the same shape, in the caller's language:

    {"error": {"code": "validation_error", "message": "...",
               "details": [{"field": "nit", "rule": "nit.check_digit", "message": "..."}]}}

Bad input is 4xx with a reason a person understands; a 500 only ever means a bug, and even then
carries no traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from facturo.kit.errors import FacturoError, Msg
from facturo.kit.validation_text import sentence
from facturo.kit.xml import UnsafeXmlError

log = logging.getLogger("facturo.api")


def language(request: Request) -> str:
    header = request.headers.get("accept-language", "")
    return "en" if header.lower().startswith("en") else "es"


def _field(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if item in {"body", "query", "path", "header"} and not parts:
            continue
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "body"


def _problem(error: Any, lang: str) -> dict[str, str]:
    return {"field": _field(tuple(error.get("loc", ()))), "rule": str(error["type"]), "message": sentence(error, lang)}


def _body(code: str, message: str, details: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or []}}


# Database errors that input validation should have prevented: the net under it, never the rule.
_DATABASE_ERRORS: dict[type[Exception], tuple[int, str, Msg]] = {
    IntegrityError: (
        409,
        "conflict",
        Msg(
            "La operación choca con datos existentes (otra solicitud pudo cambiarlos); reintente.",
            "The operation conflicts with existing data (another request may have changed it); retry.",
        ),
    ),
    DataError: (
        422,
        "validation_error",
        Msg(
            "Un valor no cabe en su campo (demasiado largo o fuera de rango).",
            "A value does not fit its field (too long or out of range).",
        ),
    ),
    OperationalError: (
        503,
        "unavailable",
        Msg("La base de datos está ocupada o no disponible; reintente.", "The database is busy or unavailable; retry."),
    ),
    PoolTimeout: (
        503,
        "unavailable",
        Msg(
            "El servidor está saturado; reintente en unos segundos.", "The server is saturated; retry in a few seconds."
        ),
    ),
}


# PostgreSQL's "query_canceled": a statement ran past FACTURO_STATEMENT_TIMEOUT_MS (docs/performance.md).
QUERY_CANCELED = "57014"
_STATEMENT_TIMEOUT = Msg(
    "La consulta tardó demasiado y se canceló (límite de tiempo por consulta); reintente o acote la búsqueda.",
    "The query took too long and was cancelled (the per-query time limit); retry or narrow the search.",
)


def is_statement_timeout(exc: BaseException) -> bool:
    return getattr(getattr(exc, "orig", None), "sqlstate", None) == QUERY_CANCELED


def _database_handler(status: int, code: str, message: Msg) -> Any:
    async def handle(request: Request, exc: Exception) -> JSONResponse:
        log.warning("%s reached the API on %s %s: %s", type(exc).__name__, request.method, request.url.path, exc)
        text = (_STATEMENT_TIMEOUT if is_statement_timeout(exc) else message).in_language(language(request))
        return JSONResponse(_body(code, text), status_code=status)

    return handle


HtmlError = Callable[[Request, int, Msg], Response]

_HTTP_MESSAGES = {
    # FastAPI's answer to a body it cannot decode (not UTF-8, say) before validating it.
    400: Msg(
        "No se pudo leer el cuerpo de la solicitud: envíe JSON en UTF-8.",
        "The request body could not be read: send JSON in UTF-8.",
    ),
    404: Msg("No encontrado.", "Not found."),
    405: Msg("Método no permitido.", "Method not allowed."),
}
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> list[str]:
    """The methods some route of the app answers at this request's path (all routes, not only the
    first that matched the path, as Starlette's own 405 lists): the ``Allow`` header of a 405."""
    allowed: list[str] = []
    for method in _METHODS:
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return allowed


def wants_html(request: Request) -> bool:
    """A browser asking for a page (not the API, which always answers JSON)."""
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")


def install(app: FastAPI, html_error: HtmlError | None = None) -> None:
    """Map errors to responses; ``html_error`` renders them for browsers asking for pages."""

    @app.exception_handler(FacturoError)
    async def _facturo(request: Request, exc: FacturoError) -> JSONResponse:
        lang = language(request)
        details = [{"field": p.field, "rule": p.rule, "message": p.message.in_language(lang)} for p in exc.problems]
        return JSONResponse(_body(exc.code, exc.message.in_language(lang), details), status_code=exc.http_status)

    async def _invalid(request: Request, errors: list[Any]) -> JSONResponse:
        lang = language(request)
        details = [_problem(e, lang) for e in errors]
        summary = Msg("La solicitud tiene datos no válidos.", "The request has invalid data.").in_language(lang)
        if details:
            summary = f"{summary} {details[0]['field']}: {details[0]['message']}"
        return JSONResponse(_body("validation_error", summary, details), status_code=422)

    @app.exception_handler(RequestValidationError)
    async def _request_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return await _invalid(request, list(exc.errors()))

    @app.exception_handler(ValidationError)
    async def _model_validation(request: Request, exc: ValidationError) -> JSONResponse:
        return await _invalid(request, list(exc.errors()))

    @app.exception_handler(UnsafeXmlError)
    async def _xml(request: Request, exc: UnsafeXmlError) -> JSONResponse:
        message = exc.reason_en if language(request) == "en" else exc.reason_es
        return JSONResponse(
            _body("validation_error", message, [{"field": "body", "rule": exc.rule, "message": message}]), 422
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(getattr(exc, "headers", None) or {})
        msg = _HTTP_MESSAGES.get(exc.status_code, Msg(str(exc.detail), str(exc.detail)))
        if exc.status_code == 405:
            allowed = allowed_methods(request)
            headers["Allow"] = ", ".join(allowed)
            msg = Msg(
                f"Método {request.method} no permitido en esta dirección; se admite: {', '.join(allowed)}.",
                f"Method {request.method} is not allowed here; allowed: {', '.join(allowed)}.",
            )
        if html_error is not None and wants_html(request):
            response = html_error(request, exc.status_code, msg)
            response.headers.update(headers)
            return response
        return JSONResponse(
            _body("http_error", msg.in_language(language(request))), status_code=exc.status_code, headers=headers
        )

    for exc_type, (status, code, message) in _DATABASE_ERRORS.items():
        app.add_exception_handler(exc_type, _database_handler(status, code, message))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        msg = Msg("Error interno; el equipo ha sido notificado.", "Internal error; it has been logged.")
        if html_error is not None and wants_html(request):
            return html_error(request, 500, msg)
        return JSONResponse(_body("internal_error", msg.in_language(language(request))), status_code=500)
