from __future__ import annotations

import pytest

from tests.reception.fel.make_fixtures import Signer, make_signer


@pytest.fixture(scope="session")
def issuer_signer() -> Signer:
    return make_signer("50123459")


@pytest.fixture(scope="session")
def certifier_signer() -> Signer:
    return make_signer("81234562")
