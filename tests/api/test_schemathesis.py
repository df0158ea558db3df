"""The whole OpenAPI document held to what the server really does (docs/api.md, "Conformance run").

Schemathesis's own engine runs every phase of its command line (examples, coverage, fuzzing and
the stateful phase over the document's links) with every check it has: no server error, only
documented status codes, content types and bodies, schema-valid requests accepted and invalid ones
refused, 405 with a true ``Allow`` for undeclared methods, a 401 without the credential, and the
rest. Its pytest plugin does not support pytest 9, so the engine is driven directly.

The run is split by tag into four tests so pytest-xdist spreads them; each exercises every
operation of its tags, and together they cover every operation of the document. The run is
deterministic (fixed seed, derandomised generation) and bounded (``MAX_EXAMPLES`` per operation).

Principals: the run signs in as an administrator of its own. Operations that revoke, deactivate,
demote or reset act on records seeded for them (another user, an API token, a session), and the
server refuses that an administrator deactivates or demotes themselves, so whatever the run sends,
it never saws off its own branch.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema

from facturo.auth import service as auth
from facturo.kit.access import Permission, Role
from facturo.kit.actor import SYSTEM
from tests.api.helpers import ok, setup_org
from tests.conftest import RollbackDatabase, sign_in
from tests.factories import valid_nit

MAX_EXAMPLES = int(os.environ.get("FACTURO_SCHEMATHESIS_EXAMPLES", "25"))
SEED = 20261203
RUN_EMAIL = "schemathesis@facturo.test"
RUN_PASSWORD = "clave-de-la-corrida-de-conformidad"

# Each test runs the operations of these tags; together they are every tag of the document.
GROUPS: dict[str, tuple[str, ...]] = {
    "access": ("access", "health"),
    "sales": ("organisation", "customers", "catalog"),
    "invoices": ("invoices", "payments"),
    "usage": ("usage", "reports"),
    # The audit's routes read what reception received (and have no links of their own to follow).
    "reception": ("reception", "audit"),
}

# Rules the JSON Schema of a request cannot express, so a schema-valid request can still break them
# and is answered 422 with the rule id (docs/api.md, "Conformance run"). A refused schema-valid
# request passes only when every problem it reports is one of these; any other rule is a failure.
RULES_BEYOND_THE_SCHEMA: dict[str, str] = {
    # a record named in the body must exist (the path's own record is a 404)
    "customer.unknown": "the customer_id must name an existing customer",
    "category.unknown": "the category_id must name an existing category",
    "configuration.unknown_category": "the category_code must name an existing usage category",
    "instance.unknown_customer": "the customer_nit must name an existing customer",
    "instance.unknown_configuration": "the configuration_code must name an existing configuration",
    "product.unknown": "the product_id of a line must name an existing product",
    "series.unknown": "the series_id must name an existing series",
    "series.kind": "the series_id must name a series of the document's kind",
    "configuration.unknown_resource": "the resources must name existing usage resources",
    # the state of other records
    "payment.exceeds_balance": "a payment is at most the invoice's open balance",
    "invoice.no_lines": "a draft is issued only with lines",
    # relations between fields, or between a field and the clock
    "range.reversed": "from must not be after to",
    "audit.day_or_range": "the audit's gaps take a day or a range, not both",
    "audit.range": "the audit's range has both its ends",
    # a keyset page's cursor is what the previous page returned (docs/api.md, "Pagination")
    "cursor.invalid": "the cursor must be a next_cursor the list returned",
    "page.with_cursor": "the old page number and a cursor exclude each other",
    "range.too_long": "a range spans at most 50 years",
    "token.expiry_past": "expires_at must be in the future",
    "user.customer_required": "role customer needs a customer_id",
    "user.customer_not_allowed": "only role customer takes a customer_id",
    "permissions.customer_scope": "a customer-scoped token holds only the portal permissions",
    "user.issuer_nits_required": "role issuer needs issuer_nits",
    "user.issuer_nits_not_allowed": "only role issuer takes issuer_nits",
    "permissions.issuer_scope": "a token bound to issuers holds only the reception permissions",
    "value_error": "model-level rules: credit-note items, a line without product",
    "stock.service": "a service (kind service) has no stock",
    # secrets and check digits
    "password.wrong": "the current password must be the caller's",
    "password.equals_email": "the password must differ from the email",
    "password.unchanged": "the new password must differ from the current one",
    "nit.check_digit": "a NIT's check digit (the document names the format gt-nit)",
    # The document names the NIT's format (gt-nit, gt-nit-or-cf) rather than a pattern, since the
    # server reads several writings (576937-K, 576937k, "c/f"); the test generates valid NITs for
    # it, but JSON Schema validators do not know the format, so a value the fuzzer reuses from an
    # answer ("error") counts as schema-valid.
    "nit.format": "a NIT is digits, a hyphen and a check digit, or CF",
    "nit.issuer_cf": "the organisation needs a NIT of its own, not CF",
    # the content of an XML message, validated by the IPC2 importer with its own rule ids
    "message.unknown_type": "an IPC2 message is <archivoConfiguraciones> or <listadoConsumos>",
    "xml.malformed": "an IPC2 message must be well-formed XML",
    # a reception upload holds at least one document (a raw body, files or a zip)
    "reception.no_file": "a multipart upload names at least one file",
    "reception.empty": "a raw upload has a body",
    "reception.multipart": "a multipart upload is well formed, with at most 1,000 files",
}


def _seed(client: TestClient, db: RollbackDatabase) -> None:
    """Records for every operation to act on: the organisation, a customer, a product, an issued
    invoice with a payment, and the targets of the operations that revoke and deactivate."""
    setup_org(client)
    customer = ok(client.post("/api/v1/customers", json={"nit": "CF", "name": "Mostrador"}), 201)
    product = ok(
        client.post("/api/v1/products", json={"code": "P1", "name": "Producto", "unit_price": "10.00", "stock": "5"}),
        201,
    )
    draft = ok(
        client.post(
            "/api/v1/invoices",
            json={"customer_id": customer["id"], "lines": [{"product_id": product["id"], "quantity": "1"}]},
        ),
        201,
    )
    ok(client.post(f"/api/v1/invoices/{draft['id']}/issue"))
    ok(
        client.post(f"/api/v1/invoices/{draft['id']}/payments", json={"splits": [{"method": "cash", "amount": "5"}]}),
        201,
    )
    with db.unit_of_work() as session:
        auth.create_user(session, SYSTEM, "contador@facturo.test", "Contabilidad", RUN_PASSWORD, Role.ACCOUNTANT)
        auth.create_api_token(session, SYSTEM, "integración", [Permission.INVOICES_READ])


def _run_client(client: TestClient, db: RollbackDatabase) -> str:
    """The run's own administrator, signed in: its Authorization header."""
    with db.unit_of_work() as session:
        auth.create_user(session, SYSTEM, RUN_EMAIL, "Corrida de conformidad", RUN_PASSWORD, Role.ADMIN)
    runner = TestClient(client.app, raise_server_exceptions=False)
    return str(sign_in(runner, RUN_EMAIL, RUN_PASSWORD).headers["Authorization"])


def _nit() -> st.SearchStrategy[str]:
    return st.integers(min_value=1, max_value=99_999_999).map(valid_nit)


def _register_formats() -> None:
    schemathesis.openapi.format("gt-nit", _nit())
    schemathesis.openapi.format("gt-nit-or-cf", st.one_of(st.just("CF"), _nit()))


def _problems(body: bytes) -> list[str]:
    try:
        return [d["rule"] for d in json.loads(body)["error"]["details"]]
    except (ValueError, KeyError, TypeError):
        return []


def _beyond_the_schema(failure: Any, response: Any) -> bool:
    """A schema-valid request refused for a rule the schema cannot express (see above)."""
    if type(failure).__name__ != "RejectedPositiveData" or response is None or response.status_code != 422:
        return False
    rules = _problems(response.content)
    return bool(rules) and all(rule in RULES_BEYOND_THE_SCHEMA for rule in rules)


def _null_from_an_inferred_link(failure: Any, case: Any) -> bool:
    """Not a schema-valid request at all: the stateful phase infers links of its own from fields
    named like a path parameter (``category_id`` of a listed product -> ``/categories/{category_id}``)
    and, when the field is null, sends ``None`` as the id and calls it valid. The document's own
    links (``link`` in surface/rest/openapi_responses.py) always carry a created record's id."""
    parameters = getattr(case, "path_parameters", None) or {}
    return type(failure).__name__ == "RejectedPositiveData" and any(v is None for v in parameters.values())


class Run:
    """What one run did: the operations of its tags, those it exercised, the requests each phase
    sent, and every failure."""

    def __init__(self) -> None:
        self.in_document: set[str] = set()
        self.exercised: set[str] = set()
        self.requests: Counter[str] = Counter()
        self.failures: list[str] = []


def run(client: TestClient, db: RollbackDatabase, tags: tuple[str, ...]) -> Run:
    """Run every phase with every check over the operations of ``tags``."""
    _seed(client, db)
    _register_formats()
    authorization = _run_client(client, db)
    config = SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "headers": {"Authorization": authorization},
            "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
            "workers": 1,
        }
    )
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app, config=config)
    selected = schema.include(tag=list(tags))
    result = Run()
    result.in_document = {operation.ok().label for operation in selected.get_all_operations()}  # type: ignore[union-attr]
    failures = result.failures
    for event in from_schema(selected).execute():
        if isinstance(event, events.ScenarioFinished):
            for case_id, node in event.recorder.cases.items():
                if case_id in event.recorder.interactions:
                    result.exercised.add(node.value.operation.label)
                    result.requests[event.phase.value] += 1
            for case_id, checks in event.recorder.checks.items():
                for check in checks:
                    if check.failure_info is None:
                        continue
                    failure = check.failure_info.failure
                    interaction = event.recorder.interactions.get(case_id)
                    response = interaction.response if interaction is not None else None
                    case = event.recorder.cases[case_id].value
                    if _beyond_the_schema(failure, response) or _null_from_an_inferred_link(failure, case):
                        continue
                    answer = f"{response.status_code} {response.content[:300]!r}" if response is not None else "-"
                    failures.append(
                        f"[{event.phase.value}] {failure.operation}: {type(failure).__name__}: "
                        f"{failure.message[:300]!r}\n    sent {case.method} {case.formatted_path} "
                        f"query={case.query} body={str(case.body)[:300]}\n    got {answer}"
                    )
        elif isinstance(event, events.NonFatalError):
            failures.append(f"error in {event.label}: {event.value!r}")
        elif isinstance(event, events.FatalError):
            failures.append(f"fatal: {event.exception!r}")
    return result


def test_groups_cover_every_operation(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    operations = [(method, path) for path, item in document["paths"].items() for method in item]
    tagged = {tag for tags in GROUPS.values() for tag in tags}
    untagged = [f"{m.upper()} {p}" for m, p in operations if not set(document["paths"][p][m]["tags"]) & tagged]
    assert untagged == []
    assert len(operations) >= 66


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_the_server_answers_as_its_openapi_says(client: TestClient, db: RollbackDatabase, group: str) -> None:
    started = time.monotonic()
    result = run(client, db, GROUPS[group])
    elapsed = time.monotonic() - started
    print(
        f"{group}: {len(result.exercised)}/{len(result.in_document)} operations, requests per phase "
        f"{dict(result.requests)}, {len(result.failures)} failures, {elapsed:.0f}s"
    )
    assert result.in_document, f"no operation has the tags {GROUPS[group]}"
    assert sorted(result.in_document - result.exercised) == [], "operations never exercised"
    assert len(result.exercised) == len(result.in_document)
    # Every phase ran, the stateful one (following the document's links) included; the examples
    # phase sends the document's examples, which only some groups have.
    assert {"coverage", "fuzzing", "stateful"} <= set(result.requests), dict(result.requests)
    # Every failure at once, one per line, with what was sent and what came back.
    failures = sorted(set(result.failures))
    assert failures == [], f"{len(failures)} failures in {elapsed:.0f}s:\n" + "\n".join(failures)
