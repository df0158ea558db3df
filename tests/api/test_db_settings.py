"""Database settings of the web process: the pool size (``FACTURO_DB_POOL_SIZE``) and, on
PostgreSQL, the statement timeout of web requests (``FACTURO_STATEMENT_TIMEOUT_MS``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from sqlalchemy import text

from facturo.api.app import create_app
from facturo.kit.config import Settings
from facturo.kit.db import POOL_SIZE, Database, make_engine


def _url(database: Database) -> str:
    return database.engine.url.render_as_string(hide_password=False)


@pytest.fixture
def make_app(shared_database: Database, tmp_path: Path) -> Iterator[Callable[..., FastAPI]]:
    made: list[FastAPI] = []

    def build(**settings: object) -> FastAPI:
        values: dict[str, object] = {"data_dir": tmp_path, "database_url": _url(shared_database), **settings}
        app = create_app(Settings(auto_migrate=False, **values))  # type: ignore[arg-type]
        made.append(app)
        return app

    yield build
    for app in made:
        app.state.database.dispose()


def test_the_pool_size_comes_from_the_settings_and_bounds_the_units_of_work(make_app: Callable[..., FastAPI]) -> None:
    app = make_app(db_pool_size=3)
    assert app.state.database.max_connections == 3
    assert app.state.database.engine.pool.size() == 3
    assert app.state.unit_of_work_slots._value == 3  # the admission limit follows the pool


def test_the_pool_size_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().db_pool_size == POOL_SIZE == 16
    assert Settings().statement_timeout_ms == 30_000
    monkeypatch.setenv("FACTURO_DB_POOL_SIZE", "5")
    monkeypatch.setenv("FACTURO_STATEMENT_TIMEOUT_MS", "1500")
    settings = Settings()
    assert (settings.db_pool_size, settings.statement_timeout_ms) == (5, 1500)


def test_a_pool_of_zero_connections_is_refused() -> None:
    with pytest.raises(ValueError, match="db_pool_size"):
        Settings(db_pool_size=0)


@pytest.fixture
def postgresql_only(dialect_name: str) -> None:
    if dialect_name != "postgresql":
        pytest.skip("statement timeouts are a PostgreSQL setting (run with FACTURO_TEST_DATABASE_URL)")


@pytest.mark.usefixtures("postgresql_only")
def test_web_connections_carry_the_statement_timeout_and_the_command_line_none(
    shared_database: Database, make_app: Callable[..., FastAPI]
) -> None:
    app = make_app(statement_timeout_ms=1500)
    with app.state.database.engine.connect() as conn:
        assert conn.execute(text("SHOW statement_timeout")).scalar_one() == "1500ms"
    cli_engine = make_engine(_url(shared_database), pool_size=1)  # what the command line and jobs use
    try:
        with cli_engine.connect() as conn:
            assert conn.execute(text("SHOW statement_timeout")).scalar_one() == "0"
    finally:
        cli_engine.dispose()


@pytest.mark.usefixtures("postgresql_only")
def test_a_statement_past_the_timeout_answers_503_with_a_readable_message(make_app: Callable[..., FastAPI]) -> None:
    app = make_app(statement_timeout_ms=200)

    @app.get("/api/v1/test-slow-query")
    def slow(request: Request) -> dict[str, str]:
        with request.app.state.database.unit_of_work(write=False) as session:
            session.execute(text("SELECT pg_sleep(2)"))
        return {"status": "done"}

    with TestClient(app, raise_server_exceptions=False) as client:
        english = client.get("/api/v1/test-slow-query", headers={"Accept-Language": "en"})
        spanish = client.get("/api/v1/test-slow-query")
        fast = client.get("/health")
    assert english.status_code == 503
    assert english.json()["error"]["code"] == "unavailable"
    assert english.json()["error"]["message"] == (
        "The query took too long and was cancelled (the per-query time limit); retry or narrow the search."
    )
    assert spanish.status_code == 503
    assert spanish.json()["error"]["message"].startswith("La consulta tardó demasiado y se canceló")
    assert fast.status_code == 200  # the connection is usable again
