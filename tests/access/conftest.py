from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from facturo.auth import service as auth
from facturo.kit.access import Role
from facturo.kit.actor import SYSTEM
from tests.access.routes import Endpoint, endpoints
from tests.conftest import sign_in

PASSWORD = "contraseña-de-acceso-larga"


@dataclass(frozen=True)
class Account:
    id: int
    email: str
    name: str
    role: Role
    customer_id: int | None
    password: str = PASSWORD
    issuer_nits: tuple[str, ...] | None = None


MakeAccount = Callable[..., Account]
SignIn = Callable[[Account], TestClient]


@pytest.fixture
def make_account(db) -> MakeAccount:
    counter = iter(range(1, 10_000))

    def make(
        role: Role, customer_id: int | None = None, name: str | None = None, issuer_nits: tuple[str, ...] | None = None
    ) -> Account:
        n = next(counter)
        email = f"{role.value}{n}@acceso.test"
        name = name or f"Persona {role.value} {n}"
        with db.unit_of_work() as session:
            user = auth.create_user(session, SYSTEM, email, name, PASSWORD, role, customer_id, issuer_nits=issuer_nits)
            user_id = user.id
        return Account(user_id, email, name, role, customer_id, issuer_nits=issuer_nits)

    return make


@pytest.fixture
def new_client(app: FastAPI) -> Iterator[Callable[..., TestClient]]:
    """Extra clients of the same app (each closed at the end of the test)."""
    with ExitStack() as stack:

        def make(**kwargs: object) -> TestClient:
            return stack.enter_context(TestClient(app, raise_server_exceptions=False, **kwargs))

        yield make


@pytest.fixture
def signed_in(new_client: Callable[..., TestClient]) -> SignIn:
    def make(account: Account) -> TestClient:
        return sign_in(new_client(), account.email, account.password)

    return make


@pytest.fixture
def api_endpoints(app: FastAPI) -> list[Endpoint]:
    return endpoints(app)


@pytest.fixture
def protected_endpoints(api_endpoints: list[Endpoint]) -> list[Endpoint]:
    from facturo.surface.rest.security import PUBLIC_PATHS

    return [e for e in api_endpoints if e.path not in PUBLIC_PATHS]
