"""The Content-Disposition header of every download (RFC 6266 with RFC 5987's filename*)."""

from __future__ import annotations

import pytest

from facturo.kit.downloads import ascii_filename, content_disposition


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("A-00000001.pdf", 'attachment; filename="A-00000001.pdf"'),
        (
            "請求-00000001.pdf",
            "attachment; filename=\"_-00000001.pdf\"; filename*=UTF-8''%E8%AB%8B%E6%B1%82-00000001.pdf",
        ),
        ("Añil-7.pdf", "attachment; filename=\"Anil-7.pdf\"; filename*=UTF-8''A%C3%B1il-7.pdf"),
        ('a"b\\c;d.csv', "attachment; filename=\"a_b_c_d.csv\"; filename*=UTF-8''a%22b%5Cc%3Bd.csv"),
        (
            "x\r\nSet-Cookie: y.pdf",
            "attachment; filename=\"x_Set-Cookie: y.pdf\"; filename*=UTF-8''x%0D%0ASet-Cookie%3A%20y.pdf",
        ),
    ],
)
def test_header_is_latin1_and_keeps_the_exact_name(name: str, header: str) -> None:
    value = content_disposition(name)
    assert value == header
    value.encode("latin-1")  # what Starlette does with a header; it used to raise here
    assert "\r" not in value and "\n" not in value


def test_inline_and_a_name_with_nothing_ascii() -> None:
    assert content_disposition("F.pdf", inline=True) == 'inline; filename="F.pdf"'
    assert ascii_filename("請求") == "_"
    assert ascii_filename("...") == "download"
