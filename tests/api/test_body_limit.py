"""Request size limits (docs/api.md, "Request size limits"): a body over its route's limit is refused
with 413 before it is read, whether it declares its length or streams in chunks; only the upload
routes take large bodies; the refusal names the limit, in Spanish or English, as JSON for the API and
as a page for a browser. A real server shows that a huge body costs it no memory."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from facturo.api.app import create_app
from facturo.kit.access import Role
from facturo.kit.config import Settings
from facturo.surface.rest.body_limit import BodyLimit
from facturo.surface.web.session import LANGUAGE_COOKIE
from tests.api.helpers import ok, setup_org
from tests.conftest import RollbackDatabase
from tests.usage.helpers import NUBE, data_file
from tests.web.conftest import Browser, make_user

SMALL = 4 * 1024  # the JSON routes' and forms' limit in these tests
UPLOAD = 32 * 1024  # the upload routes' limit in these tests
TOO_LARGE_ES = "La solicitud es demasiado grande: el máximo es {}."
TOO_LARGE_EN = "The request is too large: the maximum is {}."
HTML = {"Accept": "text/html,application/xhtml+xml"}
XML = {"Content-Type": "application/xml"}
MIB = 1024 * 1024


@pytest.fixture
def app(db: RollbackDatabase, tmp_path: Path) -> FastAPI:
    limits = Settings(data_dir=tmp_path, auto_migrate=False, max_body_bytes=SMALL, max_upload_bytes=UPLOAD)
    return create_app(limits, database=db)


@pytest.fixture
def browser(app: FastAPI) -> Iterator[Browser]:
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as client:
        yield Browser(client)


def padded_message(size: int) -> bytes:
    """The nube configuration message, grown to ``size`` bytes with a comment after its root."""
    xml = data_file(NUBE[0]).read_bytes()
    padded = xml + b"<!--" + b"x" * (size - len(xml) - 7) + b"-->"
    assert len(padded) == size
    return padded


def assert_refused(response: httpx.Response, limit: str, lang: str = "es") -> None:
    assert response.status_code == 413, response.text[:300]
    error = response.json()["error"]
    message = (TOO_LARGE_EN if lang == "en" else TOO_LARGE_ES).format(limit)
    assert error == {
        "code": "payload_too_large",
        "message": message,
        "details": [{"field": "body", "rule": "body.too_large", "message": message}],
    }


# --- the API ---------------------------------------------------------------------------------------


def test_a_json_body_over_the_limit_is_refused_in_spanish_and_english_and_creates_nothing(client: TestClient) -> None:
    setup_org(client)
    huge = {"nit": "CF", "name": "x" * SMALL}
    assert_refused(client.post("/api/v1/customers", json=huge), "4 KB")
    assert_refused(
        client.post("/api/v1/customers", json=huge, headers={"Accept-Language": "en-US,en;q=0.9"}), "4 KB", "en"
    )
    assert ok(client.get("/api/v1/customers"))["total"] == 0

    # Just under the limit, the same route works as always.
    created = ok(client.post("/api/v1/customers", json={"nit": "CF", "name": "Mostrador"}), 201)
    assert created["name"] == "Mostrador"
    assert ok(client.get("/api/v1/customers"))["total"] == 1


def test_a_chunked_body_is_counted_as_it_arrives(client: TestClient) -> None:
    setup_org(client)

    def chunks() -> Iterator[bytes]:
        yield b'{"nit": "CF", "name": "'
        for _ in range(10):
            yield b"x" * 1024
        yield b'"}'

    response = client.post("/api/v1/customers", content=chunks(), headers={"Content-Type": "application/json"})
    assert_refused(response, "4 KB")
    assert ok(client.get("/api/v1/customers"))["total"] == 0


def test_anonymous_sign_in_with_a_huge_body_is_refused_before_anything_else(anonymous_client: TestClient) -> None:
    response = anonymous_client.post(
        "/api/v1/auth/login", content=b"{" + b" " * (2 * SMALL) + b"}", headers={"Content-Type": "application/json"}
    )
    assert_refused(response, "4 KB")
    assert response.headers["connection"] == "close"
    # A sign-in of ordinary size still gets its ordinary answer.
    wrong = anonymous_client.post("/api/v1/auth/login", json={"email": "nadie@facturo.test", "password": "x"})
    assert wrong.status_code == 401


def test_the_message_upload_takes_bodies_up_to_its_own_cap_and_no_more(client: TestClient) -> None:
    setup_org(client)
    message = data_file(NUBE[0]).read_bytes()
    assert SMALL < len(message) < UPLOAD  # too big for a JSON route, fine for the upload route
    assert_refused(client.post("/api/v1/usage/resources", content=message, headers=XML), "4 KB")

    # Exactly at the cap: imported.
    imported = ok(client.post("/api/v1/usage/messages", content=padded_message(UPLOAD), headers=XML))
    assert imported["kind"] == "configuration"
    assert imported["counts"]["instance"]["created"] == 6  # type: ignore[index]

    assert_refused(client.post("/api/v1/usage/messages", content=padded_message(UPLOAD + 1), headers=XML), "32 KB")
    upload = {"file": (NUBE[0], padded_message(UPLOAD + 1), "text/xml")}
    refused = client.post("/api/v1/usage/messages", files=upload, headers={"Accept-Language": "en"})
    assert_refused(refused, "32 KB", "en")


# --- the pages -------------------------------------------------------------------------------------


def test_a_page_form_over_the_limit_gets_a_page_naming_the_limit(browser: Browser) -> None:
    browser.get("/login")
    form = {"login": "x" * SMALL, "password": "clave"}
    refused = browser.post("/login", form, headers=HTML)
    assert refused.status_code == 413
    assert refused.headers["content-type"].startswith("text/html")
    assert TOO_LARGE_ES.format("4 KB") in refused.text and 'lang="es"' in refused.text

    browser.client.cookies.set(LANGUAGE_COOKIE, "en")
    english = browser.post("/login", form, headers=HTML)
    assert english.status_code == 413 and TOO_LARGE_EN.format("4 KB") in english.text

    # An ordinary sign-in form goes through as always (wrong password: the form again, not a 413).
    wrong = browser.post("/login", {"login": "nadie@web.test", "password": "clave"}, headers=HTML)
    assert wrong.status_code != 413 and "demasiado grande" not in wrong.text and "too large" not in wrong.text


def test_the_upload_page_takes_files_up_to_the_upload_cap(browser: Browser, db: RollbackDatabase) -> None:
    from tests.factories import make_issuer

    with db.unit_of_work() as session:
        make_issuer(session)
    make_user(db, "admin@limits.test", Role.ADMIN)
    assert browser.login("admin@limits.test").status_code == 303

    message = data_file(NUBE[0]).read_bytes()
    done = browser.post("/usage/messages", files=[("files", (NUBE[0], message, "text/xml"))])
    assert done.status_code == 303 and done.headers["location"].startswith("/usage/messages?ids=")

    big = [("files", (NUBE[0], padded_message(UPLOAD), "text/xml"))]
    refused = browser.post("/usage/messages", files=big, headers=HTML)
    assert refused.status_code == 413 and TOO_LARGE_ES.format("32 KB") in refused.text


# --- the middleware on its own -----------------------------------------------------------------------


def _run(app: Any, headers: list[tuple[bytes, bytes]], chunks: list[bytes]) -> list[Message]:
    sent: list[Message] = []
    pending = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]

    async def receive() -> Message:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/api/v1/things", "headers": headers, "query_string": b""}
    asyncio.run(BodyLimit(app, Settings(max_body_bytes=10))(scope, receive, send))
    return sent


def test_the_application_never_gets_more_than_the_limit() -> None:
    seen: list[bytes] = []

    async def application(scope: Scope, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ConnectionError("the client went away")
            seen.append(message["body"])
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    sent = _run(application, [], [b"1234", b"5678", b"9abc", b"def0"])
    assert b"".join(seen) == b"12345678"  # the chunk that crosses 10 bytes is never handed on
    assert [m.get("status") for m in sent if m["type"] == "http.response.start"] == [413]

    seen.clear()
    sent = _run(application, [(b"content-length", b"11")], [b"12345678901"])
    assert seen == [] and sent[0]["status"] == 413  # refused on the declared length: not one byte read

    sent = _run(application, [(b"content-length", b"10")], [b"1234567890"])
    assert seen == [b"1234567890"] and sent[0]["status"] == 200


# --- a real server -----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """uvicorn serving the app factory in a process of its own, on SQLite in a temporary folder, with
    the default limits."""
    if not Path("/proc/self/status").exists():
        pytest.skip("needs /proc to read the server's memory")
    data_dir = tmp_path_factory.mktemp("server")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACTURO_")}
    env |= {"FACTURO_DATA_DIR": str(data_dir), "FACTURO_JWT_SECRET": "facturo-test-signing-key-" + "1" * 40}
    port = _free_port()
    command = [sys.executable, "-m", "uvicorn", "facturo.api.app:create_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    process = subprocess.Popen(command, env=env, cwd=data_dir)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the server did not start (exit code {process.poll()})")
            time.sleep(0.2)
        yield base, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_64_mib_anonymous_sign_in_costs_the_server_no_memory(server: tuple[str, int], declared: bool) -> None:
    base, pid = server
    login = f"{base}/api/v1/auth/login"
    # Warm up: the first sign-in loads what any sign-in needs.
    assert httpx.post(login, json={"email": "nadie@facturo.test", "password": "x"}).status_code == 401
    before = _rss_kib(pid)

    size = 64 * MIB

    def body() -> Iterator[bytes]:
        chunk = b" " * (64 * 1024)
        for _ in range(size // len(chunk)):
            yield chunk

    headers = {"Content-Type": "application/json"} | ({"Content-Length": str(size)} if declared else {})
    response = httpx.post(login, content=body(), headers=headers, timeout=60)
    after = _rss_kib(pid)
    print(f"\nserver RSS {before / 1024:.1f} MiB -> {after / 1024:.1f} MiB ({'declared' if declared else 'chunked'})")

    assert_refused(response, "1 MB")
    assert after - before < 64 * 1024, f"the server grew by {(after - before) / 1024:.1f} MiB"
    # And the server goes on answering ordinary requests.
    english = httpx.post(login, content=b"{}" + b" " * (2 * MIB), headers={"Accept-Language": "en"})
    assert_refused(english, "1 MB", "en")
    assert httpx.get(f"{base}/health").json()["status"] == "ok"
