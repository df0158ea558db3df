"""The invoice lifecycle: which moves are allowed, where settlement lands, and what is overdue."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pytest

from facturo.invoicing.lifecycle import ALLOWED, LABELS_ES, Status, ensure_transition, is_overdue, settlement_status
from facturo.kit.errors import Conflict, InvalidTransition

D = Decimal
S = Status

# The lifecycle as the design describes it, written out independently of the code's table.
EXPECTED_MOVES = {
    (S.DRAFT, S.ISSUED),
    (S.ISSUED, S.PARTIALLY_PAID),
    (S.ISSUED, S.PAID),
    (S.ISSUED, S.CREDITED),
    (S.ISSUED, S.VOID),
    (S.PARTIALLY_PAID, S.ISSUED),  # its payment reversed
    (S.PARTIALLY_PAID, S.PAID),
    (S.PARTIALLY_PAID, S.CREDITED),
    (S.PAID, S.PARTIALLY_PAID),  # a payment reversed
    (S.PAID, S.ISSUED),
    (S.CREDITED, S.ISSUED),
    (S.CREDITED, S.PARTIALLY_PAID),
}

PAIRS = [(a, b) for a, b in itertools.product(Status, Status) if a != b]


def test_the_allowed_table_is_the_documented_lifecycle() -> None:
    assert set(ALLOWED) == set(Status)
    assert {(a, b) for a, targets in ALLOWED.items() for b in targets} == EXPECTED_MOVES


def test_void_is_final_and_nothing_goes_back_to_draft() -> None:
    assert ALLOWED[S.VOID] == frozenset()
    assert all(S.DRAFT not in targets for targets in ALLOWED.values())


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_every_transition_is_allowed_or_refused_as_the_table_says(source: Status, target: Status) -> None:
    if target in ALLOWED[source]:
        ensure_transition(source.value, target)
    else:
        with pytest.raises(InvalidTransition) as caught:
            ensure_transition(source.value, target)
        # A person reads the reason, in Spanish and in English.
        assert caught.value.message.es == f"Una factura {LABELS_ES[source]} no puede pasar a {LABELS_ES[target]}."
        assert caught.value.message.en == f"An invoice that is {source.value} cannot become {target.value}."
        assert isinstance(caught.value, Conflict)
        assert caught.value.http_status == 409
        assert caught.value.exit_code == 4


@pytest.mark.parametrize("status", list(Status))
def test_staying_in_the_same_status_is_not_a_transition(status: Status) -> None:
    # Settlement re-applies the status after every payment or credit; staying put must not fail.
    ensure_transition(status.value, status)


def test_unknown_status_is_refused() -> None:
    with pytest.raises(ValueError, match="archived"):
        ensure_transition("archived", S.ISSUED)


# --- settlement_status ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "credited", "paid", "expected"),
    [
        ("112.00", "0", "0", S.ISSUED),
        ("112.00", "0", "0.01", S.PARTIALLY_PAID),
        ("112.00", "0", "111.99", S.PARTIALLY_PAID),
        ("112.00", "0", "112.00", S.PAID),
        ("112.00", "112.00", "0", S.CREDITED),
        ("112.00", "12.00", "0", S.ISSUED),  # partly credited, nothing paid
        ("112.00", "12.00", "50.00", S.PARTIALLY_PAID),
        ("112.00", "12.00", "100.00", S.PAID),  # settled, partly by credit, partly by payment
        ("112.00", "62.00", "50.00", S.PAID),
        ("0.00", "0", "0", S.CREDITED),  # nothing owed and nothing paid
    ],
)
def test_settlement_status(total: str, credited: str, paid: str, expected: Status) -> None:
    assert settlement_status(D(total), D(credited), D(paid)) == expected


# --- is_overdue -----------------------------------------------------------------------------------

TODAY = date(2024, 6, 15)


@pytest.mark.parametrize(
    ("status", "due", "balance", "expected"),
    [
        (S.ISSUED, date(2024, 6, 14), "10.00", True),
        (S.PARTIALLY_PAID, date(2024, 5, 1), "0.01", True),
        (S.ISSUED, TODAY, "10.00", False),  # due today is not late yet
        (S.ISSUED, date(2024, 6, 16), "10.00", False),
        (S.ISSUED, None, "10.00", False),
        (S.ISSUED, date(2024, 6, 14), "0.00", False),
        (S.PAID, date(2024, 6, 1), "0.00", False),
        (S.CREDITED, date(2024, 6, 1), "0.00", False),
        (S.VOID, date(2024, 6, 1), "112.00", False),
        (S.DRAFT, date(2024, 6, 1), "112.00", False),
    ],
)
def test_is_overdue(status: Status, due: date | None, balance: str, expected: bool) -> None:
    assert is_overdue(status.value, due, D(balance), TODAY) is expected
