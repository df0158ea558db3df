"""Property-based requests to the report endpoints, generated from their OpenAPI: whatever the dates,
ids and formats, the answer is never a 5xx (bad input is a 4xx with a reason)."""

from __future__ import annotations

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.conftest import RollbackDatabase
from tests.factories import make_issuer
from tests.reports import bill_nube, mount_reports

EXAMPLES_PER_OPERATION = 60


@pytest.fixture
def app(app: FastAPI) -> FastAPI:
    return mount_reports(app)


def test_no_report_request_answers_5xx(client: TestClient, db: RollbackDatabase) -> None:
    with db.unit_of_work() as session:
        make_issuer(session)
        bill_nube(session)
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app).include(path_regex="^/api/v1/reports/")
    failures: list[str] = []
    labels = []
    for result in schema.get_all_operations():
        operation = result.ok()
        labels.append(operation.label)

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        @given(case=operation.as_strategy())
        def exercise(case: schemathesis.Case) -> None:
            response = case.call(headers=dict(client.headers))
            if response.status_code >= 500:
                failures.append(f"{case.operation.label} {case.path_parameters} {case.query}: {response.text[:300]}")
            case.validate_response(response, checks=[not_a_server_error])

        try:
            exercise()
        except Exception as exc:  # report every failing operation at once
            failures.append(f"{operation.label}: {type(exc).__name__}: {str(exc)[:500]}")
    assert sorted(labels) == ["GET /api/v1/reports/invoices/{invoice_id}", "GET /api/v1/reports/sales"]
    assert failures == []
