"""Languages of the web pages: Spanish first, English too, with gettext catalogs read by Babel.

Message ids are English. The Spanish catalog is every ``*.po`` file under ``web/locale/es/`` (one
per area of the product, so areas can be translated independently), merged and compiled in memory at
first use: nothing to build at install time. English needs no catalog.
"""

from __future__ import annotations

import gettext as _gettext
from contextvars import ContextVar, Token
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES = ("es", "en")
DEFAULT_LANGUAGE = "es"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGE_NAMES = {"es": "Español", "en": "English"}

_language: ContextVar[str] = ContextVar("facturo_language", default=DEFAULT_LANGUAGE)


def catalog_files(language: str) -> list[Path]:
    return sorted((LOCALE_DIR / language).glob("*.po"))


def read_catalog(language: str) -> Catalog:
    """All of a language's .po files as one catalog (a msgid repeated across files must agree)."""
    merged = Catalog(locale=language, domain="facturo")
    for path in catalog_files(language):
        with path.open("rb") as handle:
            for message in read_po(handle, locale=language):
                if message.id:
                    merged[message.id] = message
    return merged


@cache
def translations(language: str) -> _gettext.NullTranslations:
    if language == "en" or not catalog_files(language):
        return _gettext.NullTranslations()
    buffer = BytesIO()
    write_mo(buffer, read_catalog(language))
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def normalize(language: str | None) -> str:
    value = (language or "").strip().lower()[:2]
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def current_language() -> str:
    return _language.get()


def use_language(language: str) -> Token[str]:
    return _language.set(normalize(language))


def reset_language(token: Token[str]) -> None:
    _language.reset(token)


def gettext(message: str) -> str:
    return translations(_language.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_language.get()).ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Mark a string for the catalog where it is defined; it is translated where it is shown."""
    return message


_ = gettext
