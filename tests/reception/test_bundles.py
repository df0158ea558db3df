"""Zips of documents: every entry handed on or refused with a reason, never inflated unchecked."""

from __future__ import annotations

import io
import zipfile

import pytest

from facturo.kit.errors import ValidationFailed
from facturo.reception.bundles import entries, files_of
from facturo.reception.submission import IncomingFile, RefusedItem
from tests.reception.documents import as_bytes, invoice


def zip_of(*files: tuple[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in files:
            archive.writestr(name, data)
    buffer.seek(0)
    return buffer


def outcome(items: list[IncomingFile | RefusedItem]) -> list[tuple[str, str]]:
    return [(i.name, "file" if isinstance(i, IncomingFile) else i.reason.en) for i in items]


def test_documents_in_a_zip_come_out_byte_for_byte() -> None:
    one, two = as_bytes(invoice(1)), as_bytes(invoice(2))
    items = list(entries(zip_of(("a/1.json", one), ("2.json", two))))
    assert [(i.name, i.data) for i in items if isinstance(i, IncomingFile)] == [("a/1.json", one), ("2.json", two)]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../../etc/passwd", "Dangerous file name"),
        ("/abs/x.xml", "Dangerous file name"),
        ("C:/x.xml", "Dangerous file name"),
        ("__MACOSX/._a.xml", "Archiver metadata"),
        ("inner.zip", "An archive inside the zip"),
    ],
)
def test_dangerous_or_nested_entries_are_refused_by_name(name: str, reason: str) -> None:
    items = list(entries(zip_of((name, b"<x/>"), ("ok.json", as_bytes(invoice(1))))))
    assert outcome(items)[0][0] == name and outcome(items)[0][1].startswith(reason)
    assert outcome(items)[1] == ("ok.json", "file")


def test_a_nested_archive_is_refused_by_content_whatever_its_name() -> None:
    inner = zip_of(("x.json", b"{}")).getvalue()
    (item,) = entries(zip_of(("looks-like.xml", inner)))
    assert isinstance(item, RefusedItem) and "archive inside" in item.reason.en


def test_a_zip_bomb_is_refused_without_inflating_it() -> None:
    bomb = zip_of(("bomb.xml", b"<" + b"a" * (30 * 1024 * 1024)))
    assert len(bomb.getvalue()) < 100_000
    (item,) = entries(bomb)
    assert isinstance(item, RefusedItem) and "zip bomb" in item.reason.en


def test_a_broken_zip_is_a_clear_validation_error() -> None:
    with pytest.raises(ValidationFailed) as refused:
        list(files_of("lote.zip", io.BytesIO(b"PK\x03\x04 not really a zip")))
    assert refused.value.problems[0].rule == "zip.invalid"


def test_a_plain_file_is_itself() -> None:
    data = as_bytes(invoice(5))
    assert [(i.name, i.data) for i in files_of("f.json", io.BytesIO(data))] == [("f.json", data)]  # type: ignore[union-attr]
