"""The embedded default: worker threads inside the API process pick up what is submitted."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient

from facturo.api.app import create_app
from facturo.auth import service as auth
from facturo.kit.access import Role
from facturo.kit.actor import SYSTEM
from facturo.kit.config import Settings
from facturo.kit.db import Database
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, sign_in
from tests.reception.documents import as_bytes, invoice


def test_worker_threads_decide_a_submission_without_anything_else_running(
    fresh_database: Database, tmp_path: Path
) -> None:
    with fresh_database.unit_of_work() as session:
        auth.create_user(session, SYSTEM, ADMIN_EMAIL, "Administración", ADMIN_PASSWORD, Role.ADMIN)
    settings = Settings(data_dir=tmp_path, auto_migrate=False, reception_workers=2)
    app = create_app(settings, database=fresh_database)
    with TestClient(app) as client:
        sign_in(client, ADMIN_EMAIL, ADMIN_PASSWORD)
        receipt = client.post(
            "/api/v1/reception/documents",
            files=[("files", (f"{n}.json", as_bytes(invoice(n)), "application/json")) for n in range(1, 6)]
            + [("files", ("mala.json", as_bytes(invoice(9, total="2.00")), "application/json"))],
        ).json()
        progress: dict[str, object] = {}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            progress = client.get(f"/api/v1/reception/submissions/{receipt['submission_id']}").json()
            if progress["done"]:
                break
            time.sleep(0.05)
        assert (progress["done"], progress["accepted"], progress["rejected"]) == (True, 5, 1)
    assert not [t for t in app.state.reception_workers._threads if t.is_alive()]
