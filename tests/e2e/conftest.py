"""Browser tests: Debian's Chromium (/usr/bin/chromium) driven by Playwright against a real facturo
server (uvicorn in a thread) on its own migrated database, SQLite or PostgreSQL like the rest of the
suite. Each test records a screenshot per step; when a test fails they are all written to
``test-artifacts/e2e/<test>/`` so the failure can be seen."""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect, sync_playwright

from facturo.api.app import create_app
from facturo.auth import service as auth
from facturo.kit.access import Role
from facturo.kit.actor import SYSTEM
from facturo.kit.config import Settings
from facturo.kit.db import Database
from facturo.reception.workers import WorkerThreads, reading_options
from tests.conftest import migrated_database
from tests.factories import make_issuer
from tests.usage.helpers import NUBE, data_file

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
PASSWORD = "clave-del-navegador"
# Without these Chromium keeps trying to reach Google's services, which a closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, database: Database, data_dir: Path) -> None:
        self.database = database
        self.port = _free_port()
        app = create_app(Settings(data_dir=data_dir, auto_migrate=False), database=database)
        self.app = app
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (./dev test does it).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    with migrated_database(tmp_path) as database:
        with database.unit_of_work() as session:
            make_issuer(session)
            for email, role in (("admin@e2e.test", Role.ADMIN), ("conta@e2e.test", Role.ACCOUNTANT)):
                auth.create_user(session, SYSTEM, email, email.split("@")[0].title(), PASSWORD, role)
        with Server(database, tmp_path) as running:
            yield running


class ReceptionWorkers:
    """The reception worker threads `facturo serve` runs (the test server has no lifespan, and
    tests/conftest sets FACTURO_RECEPTION_WORKERS=0), started when the test says so: a test can
    look at its submission still waiting, then watch the verdicts arrive."""

    def __init__(self, server: Server) -> None:
        self._app = server.app
        self._threads = WorkerThreads(
            server.database, self._app.state.reception_archive, reading_options(self._app.state.settings), 1
        )
        self.started = False

    def start(self) -> None:
        self._threads.start()
        self._app.state.reception_workers = self._threads  # the uploads wake them, as in `facturo serve`
        self._threads.notify()
        self.started = True

    def stop(self) -> None:
        if self.started:
            self._threads.shutdown()


@pytest.fixture
def reception_workers(server: Server) -> Iterator[ReceptionWorkers]:
    workers = ReceptionWorkers(server)
    yield workers
    workers.stop()


def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name)


class Steps:
    """Screenshots of each step of a test, kept in memory and written only if the test fails."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.shots: list[tuple[str, bytes]] = []

    def __call__(self, name: str) -> None:
        self.shots.append((name, self.page.screenshot(full_page=True)))

    def save(self, test_name: str) -> Path:
        target = ARTIFACTS / _safe(test_name)
        target.mkdir(parents=True, exist_ok=True)
        self.shots.append(("at-failure", self.page.screenshot(full_page=True)))
        for index, (name, data) in enumerate(self.shots, start=1):
            (target / f"{index:02d}-{_safe(name)}.png").write_bytes(data)
        return target


@pytest.fixture
def page(chromium: Browser, server: Server, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = chromium.new_context(base_url=server.url, locale="es-GT", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(float(os.environ.get("FACTURO_E2E_TIMEOUT_MS", "15000")))
    browser_page = context.new_page()
    steps = Steps(browser_page)
    browser_page.steps = steps  # type: ignore[attr-defined]
    yield browser_page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        print(f"\nscreenshots: {steps.save(request.node.name)}")
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Any:
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Correo o usuario").fill(email)
    page.get_by_label("Contraseña").fill(password)
    page.get_by_role("button", name="Iniciar sesión").click()


def start_draft_with_live_totals(page: Page, customer_name: str) -> None:
    """On the invoice editor: pick the customer, type one line (3 × Q150.00) and wait for the
    server's totals the editor's script shows as you type."""
    page.goto("/invoices/new")
    customer = page.locator("#f-customer_id option", has_text=customer_name).get_attribute("value")
    assert customer
    page.get_by_label("Cliente", exact=True).select_option(customer)
    page.locator("#l0-description").fill("Asesoría técnica")
    page.locator("#l0-quantity").fill("3")
    page.locator("#l0-unit_price").fill("150.00")
    expect(page.locator('[data-total="total"]')).to_contain_text("Q450.00", timeout=10_000)


def choose_the_nube_pair(page: Page) -> None:
    """On the usage page: choose our nube pair (tests/data/ipc2) in the upload form, not yet sent."""
    page.goto("/usage")
    page.get_by_label("Mensajes XML IPC2").set_input_files([data_file(NUBE[0]), data_file(NUBE[1])])
