"""Test infrastructure.

The suite runs on SQLite by default and on PostgreSQL when FACTURO_TEST_DATABASE_URL points to a
server (the URL names a maintenance database; the suite creates and drops its own database).
The schema is built by the Alembic migrations, never by create_all. Each test runs inside a
transaction that is rolled back at the end; tests that need real commits (concurrency) ask for
``fresh_database`` instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from facturo.api.app import create_app
from facturo.kit.config import Settings
from facturo.kit.db import Database, make_engine
from facturo.kit.migrate import upgrade
from facturo.organisation.models import Issuer

# A fixed signing key for the suite, so tests never write one into ./var.
os.environ.setdefault("FACTURO_JWT_SECRET", "facturo-test-signing-key-" + "0" * 40)
# Tests drive the reception workers themselves (service.drain), never background threads.
os.environ.setdefault("FACTURO_RECEPTION_WORKERS", "0")

REPO_ROOT = Path(__file__).resolve().parents[1]
# Fixture files written for the suite: it passes on a plain clone with nothing beside it.
DATA = REPO_ROOT / "tests" / "data"
# The real outside samples are an extra corpus (tests marked ``corpus``): run when present, skipped
# when absent, and required under CI=true. FACTURO_TEST_SAMPLES points elsewhere (an empty value
# counts as unset).
SAMPLES = Path(os.environ.get("FACTURO_TEST_SAMPLES") or REPO_ROOT.parent / "shared" / "samples")
# The official artefacts (EN 16931 XSLT, SAT's FEL schemas) used as test oracles, beside the corpus.
REFERENCE = Path(os.environ.get("FACTURO_TEST_REFERENCE") or SAMPLES.parent / "reference")
ADMIN_EMAIL = "admin@facturo.test"
ADMIN_PASSWORD = "clave-de-prueba-segura"
PG_URL = os.environ.get("FACTURO_TEST_DATABASE_URL")


def corpus_required() -> bool:
    """CI=true makes a missing sample corpus a failure instead of a skip."""
    return os.environ.get("CI", "").strip().lower() == "true"


def corpus_path(*parts: str) -> Path:
    """A path inside the outside sample corpus (../shared/samples or FACTURO_TEST_SAMPLES).

    When the corpus folder is missing, the calling test is skipped with a reason naming the path,
    or fails under CI=true, where the corpus is part of what must run."""
    if not SAMPLES.is_dir():
        reason = (
            f"sample corpus not found: {SAMPLES} is missing "
            "(place ../shared/samples beside the repository or set FACTURO_TEST_SAMPLES)"
        )
        if corpus_required():
            pytest.fail(f"CI=true requires the sample corpus, but {reason}", pytrace=False)
        pytest.skip(reason)
    path = SAMPLES.joinpath(*parts)
    if not path.exists():
        # The folder is there but a file it should hold is not: that is a broken corpus, never a skip.
        pytest.fail(f"the sample corpus at {SAMPLES} has no {Path(*parts)}", pytrace=False)
    return path


def reference_path(*parts: str) -> Path:
    """A path inside the official reference artefacts (../shared/reference or FACTURO_TEST_REFERENCE),
    with the same rules as :func:`corpus_path`: skipped when absent, a failure under CI=true."""
    if not REFERENCE.is_dir():
        reason = (
            f"reference artefacts not found: {REFERENCE} is missing "
            "(place ../shared/reference beside the repository or set FACTURO_TEST_REFERENCE)"
        )
        if corpus_required():
            pytest.fail(f"CI=true requires the reference artefacts, but {reason}", pytrace=False)
        pytest.skip(reason)
    path = REFERENCE.joinpath(*parts)
    if not path.exists():
        pytest.fail(f"the reference folder {REFERENCE} has no {Path(*parts)}", pytrace=False)
    return path


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tests marked ``corpus`` run over the real samples: without them they are skipped before any
    fixture runs. Under CI=true the test itself fails instead (see pytest_runtest_call)."""
    if item.get_closest_marker("corpus") is not None and not corpus_required():
        corpus_path()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    """Under CI=true a ``corpus`` test without the samples is reported FAILED, not skipped or an error."""
    if item.get_closest_marker("corpus") is not None:
        corpus_path()


def _create_pg_database(admin_url: str) -> str:
    name = f"facturo_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(admin_url: str, url: str) -> None:
    name = make_url(url).database
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def migrated_database(tmp_dir: Path) -> Iterator[Database]:
    """A brand-new database with the schema migrated to head."""
    sqlite_file = tmp_dir / f"facturo-{uuid.uuid4().hex[:8]}.sqlite3"
    url = _create_pg_database(PG_URL) if PG_URL else f"sqlite:///{sqlite_file}"
    database = Database(make_engine(url))
    upgrade(database.engine)
    try:
        yield database
    finally:
        database.dispose()
        if PG_URL:
            _drop_pg_database(PG_URL, url)


@pytest.fixture(scope="session")
def dialect_name() -> str:
    return "postgresql" if PG_URL else "sqlite"


@pytest.fixture(scope="session")
def shared_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    with migrated_database(tmp_path_factory.mktemp("db")) as database:
        yield database


@pytest.fixture
def fresh_database(tmp_path: Path) -> Iterator[Database]:
    """A committed-to database of this test's own (for concurrency and end-to-end tests)."""
    with migrated_database(tmp_path) as database:
        yield database


class RollbackDatabase(Database):
    """Hands out sessions joined to one outer transaction, so every commit is a savepoint and the
    whole test disappears on rollback."""

    def __init__(self, engine: Engine, connection: Connection) -> None:
        super().__init__(engine)
        self.connection = connection

    def session(self, *, write: bool = True) -> Session:
        return Session(bind=self.connection, join_transaction_mode="create_savepoint", expire_on_commit=False)


@pytest.fixture
def db(shared_database: Database) -> Iterator[RollbackDatabase]:
    connection = shared_database.engine.connect()
    outer = connection.begin()
    try:
        yield RollbackDatabase(shared_database.engine, connection)
    finally:
        outer.rollback()
        connection.close()


@pytest.fixture
def session(db: RollbackDatabase) -> Iterator[Session]:
    s = db.session()
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def app(db: RollbackDatabase, tmp_path: Path) -> FastAPI:
    return create_app(Settings(data_dir=tmp_path, auto_migrate=False), database=db)


@pytest.fixture
def anonymous_client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def sign_in(client: TestClient, email: str, password: str) -> TestClient:
    """Log in through the API and send the access token on every later request."""
    response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
    return client


@pytest.fixture
def client(app: FastAPI, db: RollbackDatabase) -> Iterator[TestClient]:
    """A client signed in as a real admin user (created directly, then logged in over the API)."""
    from facturo.auth import service as auth
    from facturo.kit.access import Role
    from facturo.kit.actor import SYSTEM

    with db.unit_of_work() as session:
        auth.create_user(session, SYSTEM, ADMIN_EMAIL, "Administración de pruebas", ADMIN_PASSWORD, Role.ADMIN)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield sign_in(test_client, ADMIN_EMAIL, ADMIN_PASSWORD)


@pytest.fixture
def frozen_clock() -> Iterator[None]:
    """Freeze facturo's clock at ``factories.NOW``."""
    from facturo.kit import clock
    from tests.factories import NOW

    with clock.frozen(NOW):
        yield


@pytest.fixture
def issuer(session: Session) -> Issuer:
    """Our organisation, with its default series."""
    from tests.factories import make_issuer

    return make_issuer(session)
