"""The route class every API router uses. It owns the unit of work of each request:

* one session per request (a write unit for POST/PUT/PATCH/DELETE, a read unit for GET),
  committed when the handler answers 2xx/3xx and rolled back otherwise;
* at most as many units of work at once as the pool has connections; the others wait in the
  event loop, not in worker threads;
* ``Idempotency-Key`` on POST: the stored response is replayed for the same key and body,
  a different body with the same key is refused (422), and the stored response is committed
  in the same transaction as whatever the request created, so a replay can never create twice.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from facturo.kit import clock
from facturo.kit.access import authenticator_of
from facturo.kit.db import Database, uses_own_units
from facturo.kit.errors import Conflict, FacturoError, Msg, ValidationFailed
from facturo.kit.idempotency import IdempotentResponse
from facturo.kit.schemas import json_input
from facturo.surface.rest.addresses import client_address
from facturo.surface.rest.security import Requires, authenticate

log = logging.getLogger("facturo.api")
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
IDEMPOTENCY_HEADER = "Idempotency-Key"


def _scope(request: Request) -> str:
    """Keys belong to the credential that sent them, so two clients never collide."""
    credential = request.headers.get("authorization", "")
    return hashlib.sha256(credential.encode()).hexdigest()[:32]


def _fingerprint(request: Request, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.url.path.encode(), request.url.query.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _find(session: Session, scope: str, key: str) -> IdempotentResponse | None:
    return session.scalar(
        select(IdempotentResponse).where(IdempotentResponse.scope == scope, IdempotentResponse.key == key)
    )


def _replay(stored: IdempotentResponse, fingerprint: str, key: str) -> Response:
    if stored.fingerprint != fingerprint:
        raise ValidationFailed.on(
            "Idempotency-Key",
            "idempotency.mismatch",
            f"La clave Idempotency-Key «{key}» ya se usó con otra solicitud; use una clave nueva.",
            f"Idempotency-Key “{key}” was already used with a different request; use a new key.",
        )
    return Response(
        content=stored.body,
        status_code=stored.status_code,
        media_type=stored.content_type,
        headers={"Idempotency-Replayed": "true"},
    )


def _store(session: Session, scope: str, key: str, fingerprint: str, response: Response) -> None:
    session.add(
        IdempotentResponse(
            scope=scope,
            key=key,
            fingerprint=fingerprint,
            status_code=response.status_code,
            content_type=response.media_type or "application/json",
            body=bytes(response.body),
        )
    )
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(
            Msg(
                "Otra solicitud con la misma Idempotency-Key se procesó al mismo tiempo; reintente.",
                "Another request with the same Idempotency-Key was processed at the same time; retry.",
            )
        ) from None


_TOUCH_EVERY = timedelta(seconds=60)
_touched: dict[int, datetime] = {}


async def _touch_token(request: Request, database: Database) -> None:
    """Record an API token's last use in a short write unit of its own (still inside the request's
    slot), at most once a minute per token and process, so reading requests stay read-only."""
    principal = getattr(request.state, "principal", None)
    if principal is None or principal.actor.kind != "token":
        return
    token_id, now, address = int(principal.actor.id), clock.now(), client_address(request)
    if now - _touched.get(token_id, datetime.min.replace(tzinfo=UTC)) < _TOUCH_EVERY:
        return
    _touched[token_id] = now

    authenticator = authenticator_of(request.app.state)

    def touch() -> None:
        with database.unit_of_work() as session:
            authenticator.touch_api_token(session, token_id, now, address)

    try:
        await run_in_threadpool(touch)
    except OperationalError:
        log.warning("could not record the last use of API token %s", token_id)


class UnitOfWorkRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()
        # Protected routes authenticate before FastAPI reads the body: without a credential the
        # answer is 401, whatever the body holds.
        protected = any(isinstance(d.dependency, Requires) for d in self.dependencies)
        # A bulk import writes in units of its own: the request only reads (see kit.db.own_units)
        # and, being idempotent by content, stores no Idempotency-Key response.
        own_units = uses_own_units(self.endpoint)

        async def handler(request: Request) -> Response:
            # Wait for a free connection here, in the event loop. Waiting inside a worker thread
            # instead can deadlock: every thread blocked on the pool while the requests that
            # hold connections need a thread to finish.
            async with request.app.state.unit_of_work_slots:
                exact = json_input.set(True)  # the API reads JSON: types as the document says
                try:
                    return await run(request)
                finally:
                    json_input.reset(exact)

        async def run(request: Request) -> Response:
            database: Database = request.app.state.database
            write = request.method not in READ_METHODS and not own_units
            session = database.session(write=write)
            request.state.session = session
            try:
                if protected:
                    await authenticate(request)
                if own_units:
                    await run_in_threadpool(session.close)
                key = request.headers.get(IDEMPOTENCY_HEADER) if write and request.method == "POST" else None
                if key:
                    key = key.strip()[:200]
                    scope, fingerprint = _scope(request), _fingerprint(request, await request.body())
                    stored = await run_in_threadpool(_find, session, scope, key)
                    if stored is not None:
                        return _replay(stored, fingerprint, key)
                try:
                    response = await handle(request)
                except FacturoError as exc:
                    if exc.keep_changes:  # a refusal whose record must survive (a counted failed login)
                        await run_in_threadpool(session.commit)
                    raise
                if write and response.status_code < 400:
                    if key:
                        await run_in_threadpool(_store, session, scope, key, fingerprint, response)
                    await run_in_threadpool(session.commit)
                return response
            finally:
                # Rolls back anything not committed (errors, reads); a no-op after a commit.
                await run_in_threadpool(session.close)
                await _touch_token(request, database)

        return handler
