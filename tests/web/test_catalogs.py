"""Every string the pages show is translated: the Spanish catalog has each message id that the
templates and page modules use, with a non-empty translation; no catalog entry is left over."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from babel.messages.extract import extract_from_dir

from facturo.surface.web import i18n

SRC = Path(__file__).resolve().parents[2] / "src" / "facturo"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
METHODS = [
    ("surface/web/templates/**.html", "jinja2.ext:babel_extract"),
    ("surface/web/**.py", "python"),
    ("*/pages.py", "python"),
    ("*/pages/**.py", "python"),
]
OPTIONS = {"surface/web/templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "false"}}


def used_messages() -> Iterator[tuple[str, str]]:
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(SRC), method_map=METHODS, options_map=OPTIONS, keywords=KEYWORDS
    ):
        for msgid in message if isinstance(message, tuple) else (message,):
            if msgid:
                yield filename, msgid


def test_the_extraction_finds_the_pages_strings() -> None:
    found = {msgid for _, msgid in used_messages()}
    assert {"Sign in", "Skip to content", "Your role does not allow this page or action."} <= found
    assert len(found) >= 25


def test_every_page_string_has_a_spanish_translation() -> None:
    catalog = i18n.read_catalog("es")
    missing = sorted({f"{filename}: {msgid}" for filename, msgid in used_messages() if not _translated(catalog, msgid)})
    assert missing == []


def test_no_spanish_entry_is_left_over() -> None:
    used = {msgid for _, msgid in used_messages()}
    stale = sorted(str(m.id) for m in i18n.read_catalog("es") if m.id and _key(m.id) not in used)
    assert stale == []


def _key(msgid: object) -> str:
    return msgid[0] if isinstance(msgid, tuple) else str(msgid)


def _translated(catalog: object, msgid: str) -> bool:
    message = catalog.get(msgid)  # type: ignore[attr-defined]
    if message is None:
        return False
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(s.strip() for s in strings)


def test_a_message_repeated_in_several_area_catalogs_has_one_translation() -> None:
    from babel.messages.pofile import read_po

    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for path in i18n.catalog_files("es"):
        with path.open("rb") as handle:
            for message in read_po(handle, locale="es"):
                if not message.id:
                    continue
                key, text = _key(message.id), str(message.string)
                earlier = seen.setdefault(key, (path.name, text))
                if earlier[1] != text:
                    clashes.append(f"{key!r}: {earlier[0]} says {earlier[1]!r}, {path.name} says {text!r}")
    assert clashes == []
