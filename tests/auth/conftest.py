from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from facturo.auth import service
from facturo.auth.models import User
from facturo.kit import clock
from facturo.kit.access import Role
from facturo.kit.auth_settings import AuthSettings, get_auth_settings
from tests.factories import ACTOR

SECRET = "test-signing-key-" + "k" * 50
PASSWORD = "correcto-caballo-bateria"
# Near "now" in real time would make results depend on the day the suite runs; a fixed instant
# does not, and exercises that every expiry check uses facturo's clock rather than the wall clock.
T0 = datetime(2024, 6, 14, 16, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def auth_settings(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuthSettings]:
    monkeypatch.setenv("FACTURO_JWT_SECRET", SECRET)
    monkeypatch.delenv("FACTURO_JWT_PREVIOUS_SECRETS", raising=False)
    monkeypatch.setenv("FACTURO_DATA_DIR", str(tmp_path_factory.mktemp("auth-data")))
    get_auth_settings.cache_clear()
    yield get_auth_settings()
    get_auth_settings.cache_clear()


@pytest.fixture
def at_t0() -> Iterator[None]:
    with clock.frozen(T0):
        yield


MakeUser = Callable[..., User]


@pytest.fixture
def make_user(session: Session) -> MakeUser:
    counter = iter(range(1, 10_000))

    def make(role: Role = Role.ACCOUNTANT, customer_id: int | None = None, **overrides: str) -> User:
        n = next(counter)
        return service.create_user(
            session,
            ACTOR,
            overrides.get("email", f"usuario{n}@example.gt"),
            overrides.get("name", f"Usuario {n}"),
            overrides.get("password", PASSWORD),
            role,
            customer_id,
        )

    return make
