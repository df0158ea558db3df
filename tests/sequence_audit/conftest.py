"""The sequence-audit tests decide when the audit runs: the workers' hook is switched off (a test
that wants it registers it), so each ``sync`` is one run the test placed on a day of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from facturo.reception import audit_feed
from facturo.reception import service as reception


@pytest.fixture(autouse=True)
def no_batch_hooks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit_feed, "_after_batch", [])


@pytest.fixture
def archive(tmp_path: Path) -> reception.Archive:
    return reception.Archive(tmp_path / "archive")
