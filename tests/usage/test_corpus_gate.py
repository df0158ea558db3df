"""The gate in front of the outside sample corpus (tests/conftest.py): a test marked ``corpus`` runs when
the samples are there, is skipped naming the missing path when they are not, and fails under CI=true."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import conftest


class _Item:
    """Just what the setup hook looks at."""

    def __init__(self, marked: bool) -> None:
        self.marked = marked

    def get_closest_marker(self, name: str) -> object | None:
        return object() if self.marked and name == "corpus" else None


@pytest.fixture
def no_corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    missing = tmp_path / "no-samples-here"
    monkeypatch.setattr(conftest, "SAMPLES", missing)
    monkeypatch.delenv("CI", raising=False)
    return missing


def test_present_corpus_gives_its_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "ipc2").mkdir()
    (tmp_path / "ipc2" / "a.xml").write_text("<a/>")
    monkeypatch.setattr(conftest, "SAMPLES", tmp_path)
    monkeypatch.setenv("CI", "true")
    assert conftest.corpus_path("ipc2", "a.xml") == tmp_path / "ipc2" / "a.xml"
    conftest.pytest_runtest_setup(_Item(marked=True))  # type: ignore[arg-type]
    conftest.pytest_runtest_call(_Item(marked=True))  # type: ignore[arg-type]
    # A file the corpus should hold but does not is a broken corpus: a failure, never a skip.
    with pytest.raises(pytest.fail.Exception, match=r"has no ipc2/b\.xml"):
        conftest.corpus_path("ipc2", "b.xml")


def test_absent_corpus_skips_naming_the_path(no_corpus: Path) -> None:
    with pytest.raises(pytest.skip.Exception) as skipped:
        conftest.corpus_path("ipc2", "a.xml")
    assert f"sample corpus not found: {no_corpus} is missing" in str(skipped.value)
    with pytest.raises(pytest.skip.Exception):
        conftest.pytest_runtest_setup(_Item(marked=True))  # type: ignore[arg-type]
    conftest.pytest_runtest_setup(_Item(marked=False))  # type: ignore[arg-type]  # unmarked tests run


@pytest.mark.parametrize("ci", ["true", "TRUE", " true "])
def test_absent_corpus_fails_under_ci(no_corpus: Path, monkeypatch: pytest.MonkeyPatch, ci: str) -> None:
    monkeypatch.setenv("CI", ci)
    conftest.pytest_runtest_setup(_Item(marked=True))  # type: ignore[arg-type]  # no skip at setup...
    with pytest.raises(pytest.fail.Exception) as failed:  # ...the test itself fails
        conftest.pytest_runtest_call(_Item(marked=True))  # type: ignore[arg-type]
    assert str(failed.value).startswith(f"CI=true requires the sample corpus, but sample corpus not found: {no_corpus}")


@pytest.mark.parametrize("ci", ["", "false", "1"])
def test_other_ci_values_only_skip(no_corpus: Path, monkeypatch: pytest.MonkeyPatch, ci: str) -> None:
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception):
        conftest.corpus_path()
