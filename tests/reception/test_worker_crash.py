"""A worker process killed with SIGKILL in the middle of a batch, then restarted: every document
ends accepted exactly once, with its findings written once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text

from facturo.kit.actor import Actor
from facturo.kit.archive import Archive
from facturo.kit.db import Database
from facturo.reception import service as reception
from tests.reception.documents import as_bytes, invoice

DOCUMENTS = 3000
LEASE_SECONDS = 2
_CLI = "import sys; from facturo.cli.main import app; sys.argv[0] = 'facturo'; app()"


def _worker(database: Database, data_dir: Path, *args: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "FACTURO_DATABASE_URL": database.engine.url.render_as_string(hide_password=False),
        "FACTURO_DATA_DIR": str(data_dir),
        "FACTURO_AUTO_MIGRATE": "false",
        "FACTURO_RECEPTION_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    return subprocess.Popen(
        [sys.executable, "-c", _CLI, "reception", "work", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _scalar(database: Database, sql: str) -> int:
    with database.engine.connect() as connection:
        return int(connection.execute(text(sql)).scalar_one())


def test_a_killed_worker_loses_nothing_and_indexes_nothing_twice(fresh_database: Database, tmp_path: Path) -> None:
    archive = Archive(tmp_path / "archive")
    # Every tenth document breaks a rule, so findings are written too and can be counted.
    files = [
        reception.IncomingFile(f"{n}.json", as_bytes(invoice(n, total="1.00") if n % 10 == 0 else invoice(n)))
        for n in range(1, DOCUMENTS + 1)
    ]
    with fresh_database.unit_of_work() as session:
        reception.submit(session, archive, files, actor=Actor("user", "1", "t"), channel="api")

    stale = 0
    for _ in range(3):  # kill inside a batch: while the worker holds a claim
        worker = _worker(fresh_database, tmp_path, "--threads", "1")
        deadline = time.monotonic() + 60
        try:
            while time.monotonic() < deadline:
                if _scalar(fresh_database, "SELECT count(*) FROM reception_documents WHERE claimed_by IS NOT NULL"):
                    break
                time.sleep(0.005)
            worker.send_signal(signal.SIGKILL)
        finally:
            worker.wait(10)
        assert worker.returncode == -signal.SIGKILL
        stale = _scalar(
            fresh_database,
            "SELECT count(*) FROM reception_documents WHERE status = 'received' AND claimed_by IS NOT NULL",
        )
        if stale:
            break
    assert stale, "the worker was never caught holding a claim"
    decided_before = _scalar(fresh_database, "SELECT count(*) FROM reception_documents WHERE status <> 'received'")
    assert decided_before < DOCUMENTS

    time.sleep(LEASE_SECONDS + 0.5)  # the dead worker's lease runs out
    restarted = _worker(fresh_database, tmp_path, "--once")
    _, errors = restarted.communicate(timeout=300)
    assert restarted.returncode == 0, errors.decode()

    assert _scalar(fresh_database, "SELECT count(*) FROM reception_documents") == DOCUMENTS
    assert (
        _scalar(fresh_database, "SELECT count(*) FROM reception_documents WHERE status = 'accepted'")
        == DOCUMENTS * 9 // 10
    )
    assert (
        _scalar(fresh_database, "SELECT count(*) FROM reception_documents WHERE status = 'rejected'") == DOCUMENTS // 10
    )
    # One finding per broken document, written once, even for the documents the dead worker held.
    assert _scalar(fresh_database, "SELECT count(*) FROM reception_findings") == DOCUMENTS // 10
    assert _scalar(fresh_database, "SELECT count(DISTINCT document_id) FROM reception_findings") == DOCUMENTS // 10
    assert _scalar(fresh_database, "SELECT count(*) FROM reception_documents WHERE attempts > 1") >= 1
