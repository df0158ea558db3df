"""/api/v1/audit/…: the reports over HTTP, and who may read which."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from facturo.kit.access import Role
from facturo.reception import audit_feed
from facturo.sequence_audit import service as audit
from tests.access.conftest import MakeAccount, SignIn, make_account, new_client, signed_in
from tests.conftest import RollbackDatabase
from tests.sequence_audit import scenario
from tests.sequence_audit.sequences import TENANT_A, TENANT_B, TENANT_C

# The access tests' account fixtures, used here as they are.
__all__ = ["make_account", "new_client", "signed_in"]

EVER = {"from": "2020-01-01", "to": scenario.TODAY.isoformat()}


@pytest.fixture
def story(client: TestClient, app: FastAPI, db: RollbackDatabase, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    # The app registered the workers' hook; the story audits each upload on its own day instead.
    assert audit.sync in audit_feed.batch_hooks()
    monkeypatch.setattr(audit_feed, "_after_batch", [])
    scenario.play(db, app.state.reception_archive)
    return client


def test_gaps_of_a_day_a_range_and_an_issuer(story: TestClient) -> None:
    day = story.get("/api/v1/audit/gaps", params={"day": scenario.RUN_2.isoformat()})
    assert day.status_code == 200, day.text
    assert [
        (g["issuer_nit"], g["first"], g["last"], g["count"], g["status"], g["suspected_restart"]) for g in day.json()
    ] == [
        (TENANT_A, 22, 24, 3, "closed", False),
        (TENANT_B, 4, 20_004, 20_001, "open", True),
        (TENANT_C, 103, 103, 1, "open", False),
    ]
    closed = day.json()[0]
    assert (closed["detected_on"], closed["closed_on"], closed["before_number"], closed["after_number"]) == (
        "2026-03-04",
        "2026-03-06",
        21,
        25,
    )
    ranged = story.get("/api/v1/audit/gaps", params={**EVER, "issuer_nit": TENANT_A}).json()
    assert [(g["kind"], g["first"], g["status"]) for g in ranged] == [
        ("credit_note", 3, "open"),
        ("invoice", 5, "closed"),
        ("invoice", 8, "open"),
        ("invoice", 9, "closed"),
        ("invoice", 10, "open"),
        ("invoice", 22, "closed"),
    ]
    # Without a day or a range: yesterday's (none; the service tests cover the default day).
    assert story.get("/api/v1/audit/gaps").json() == []


def test_bad_parameters_are_422_never_500(story: TestClient) -> None:
    both = story.get("/api/v1/audit/gaps", params={"day": "2026-03-02", **EVER})
    assert both.status_code == 422 and both.json()["error"]["details"][0]["field"] == "day"
    assert story.get("/api/v1/audit/gaps", params={"from": "2026-03-02"}).status_code == 422
    assert story.get("/api/v1/audit/gaps", params={"day": "02/03/2026"}).status_code == 422
    assert story.get("/api/v1/audit/monthly", params={"since": "2026-13"}).status_code == 422
    assert story.get("/api/v1/audit/monthly", params={"since": "0000-01"}).status_code == 422  # no year 0
    assert story.get("/api/v1/audit/top", params={"limit": 0}).status_code == 422


def test_csv_per_gap_and_per_number(story: TestClient) -> None:
    per_gap = story.get("/api/v1/audit/gaps.csv", params=EVER)
    assert per_gap.status_code == 200 and per_gap.headers["content-type"].startswith("text/csv")
    assert "attachment" in per_gap.headers["content-disposition"]
    gaps = list(csv.DictReader(io.StringIO(per_gap.content.decode("utf-8-sig"))))
    assert len(gaps) == len(scenario.EXPECTED)
    numbers = story.get("/api/v1/audit/gaps.csv", params={**EVER, "expand": "true", "issuer_nit": TENANT_A})
    expanded = list(csv.DictReader(io.StringIO(numbers.content.decode("utf-8-sig"))))
    assert [(r["kind"], r["number"], r["status"]) for r in expanded] == [
        ("credit_note", "3", "open"),
        ("invoice", "5", "closed"),
        ("invoice", "8", "open"),
        ("invoice", "9", "closed"),
        ("invoice", "10", "open"),
        ("invoice", "22", "closed"),
        ("invoice", "23", "closed"),
        ("invoice", "24", "closed"),
    ]


def test_top_monthly_and_sequences(story: TestClient) -> None:
    # The real clock runs here (a frozen one would void the access token): "today" is later than
    # the story, which only makes the default ranges longer.
    top = story.get("/api/v1/audit/top", params={"limit": 1})
    monthly = story.get("/api/v1/audit/monthly", params={"since": "2026-03"}).json()
    assert top.json() == [{"issuer_nit": TENANT_A, "missing": 3}]
    march = {m["issuer_nit"]: m for m in monthly if m["month"] == "2026-03"}
    assert (march[TENANT_A]["gaps_opened"], march[TENANT_A]["missing_open_at_month_end"]) == (4, 3)
    assert min(m["month"] for m in monthly) == "2026-03"
    sequences = story.get("/api/v1/audit/sequences", params={"issuer_nit": scenario.FEL_UNNUMBERED}).json()
    assert [(s["kind"], s["auditable"], s["documents"]) for s in sequences] == [("FACT", False, 2)]


@pytest.mark.parametrize(
    ("role", "gaps", "summary"),
    [
        (Role.ADMIN, 200, 200),
        (Role.ACCOUNTANT, 200, 200),
        (Role.AUDITOR, 200, 200),
        (Role.ANALYST, 403, 200),
        (Role.ISSUER, 200, 403),
    ],
)
def test_who_reads_what(
    story: TestClient, make_account: MakeAccount, signed_in: SignIn, role: Role, gaps: int, summary: int
) -> None:
    nits = (TENANT_C,) if role is Role.ISSUER else None
    caller = signed_in(make_account(role, issuer_nits=nits))
    for path in ("/api/v1/audit/gaps", "/api/v1/audit/gaps.csv", "/api/v1/audit/sequences"):
        answer = caller.get(path, params=EVER if "gaps" in path else None)
        assert answer.status_code == gaps, (path, answer.text)
    for path in ("/api/v1/audit/top", "/api/v1/audit/monthly"):
        answer = caller.get(path)
        assert answer.status_code == summary, (path, answer.text)
        if summary == 403:
            assert "audit_summary:read" in answer.json()["error"]["message"]
    if role is Role.ISSUER:
        # Bound to tenant C: only its gaps, whatever the request asks.
        assert {g["issuer_nit"] for g in caller.get("/api/v1/audit/gaps", params=EVER).json()} == {TENANT_C}
        assert caller.get("/api/v1/audit/gaps", params={**EVER, "issuer_nit": TENANT_A}).json() == []
        rows = caller.get("/api/v1/audit/gaps.csv", params=EVER).content.decode("utf-8-sig").splitlines()
        assert len(rows) == 2 and TENANT_C in rows[1]


def test_a_bound_token_reads_only_its_issuers_gaps(story: TestClient, new_client: Callable[..., TestClient]) -> None:
    created = story.post(
        "/api/v1/tokens",
        json={"name": "Inquilino C", "permissions": ["audit_gaps:read"], "issuer_nits": [TENANT_C]},
    )
    assert created.status_code == 201, created.text
    caller = new_client()
    caller.headers["Authorization"] = f"Bearer {created.json()['token']}"
    assert [g["first"] for g in caller.get("/api/v1/audit/gaps", params=EVER).json()] == [103]
    assert [s["issuer_nit"] for s in caller.get("/api/v1/audit/sequences").json()] == [TENANT_C]
    assert caller.get("/api/v1/audit/top").status_code == 403
