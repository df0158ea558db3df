"""Text that the standard PDF fonts can draw.

The PDFs use the standard Helvetica font, so no font file has to ship with facturo. Standard
fonts only cover Windows-1252 (enough for Spanish, "Q", "—", "…" and typographic quotes); any
other character in user-entered text is replaced rather than crashing the rendering.
"""

from __future__ import annotations

import unicodedata

ENCODING = "windows-1252"
_FALLBACKS = {
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\u2012": "-",  # figure dash
    "\u2015": "-",  # horizontal bar
    "\u2212": "-",  # minus sign
    "\u2032": "'",  # prime
    "\u2033": '"',  # double prime
    "\u2039": "<",
    "\u203a": ">",
    "\u00a0": " ",
    "\u2007": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\t": " ",
}
# Invisible characters that carry no text of their own (emoji joiners, variation selectors, BOM,
# controls, stray combining marks after NFC).
_DROP_CATEGORIES = {"Cf", "Mn", "Me", "Cc", "Cs"}
_UNKNOWN = "?"


def _encodable(char: str) -> bool:
    try:
        char.encode(ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def pdf_safe_text(text: str) -> str:
    """Map arbitrary text onto what Helvetica can draw: composed accents are kept, look-alikes
    are substituted ("ﬁ" → "fi", "−" → "-"), and each run of anything else becomes one "?", so
    an emoji sequence such as 👍🏽 or a word in another script reads as a single placeholder."""
    out: list[str] = []
    replacing = False
    for char in unicodedata.normalize("NFC", text):
        if char == "\n":
            piece = char
        elif char in _FALLBACKS:
            piece = _FALLBACKS[char]
        elif unicodedata.category(char) in _DROP_CATEGORIES:
            continue
        elif _encodable(char):
            piece = char
        else:
            compat = unicodedata.normalize("NFKC", char)
            if compat != char and all(map(_encodable, compat)):
                piece = compat
            else:
                if not replacing:
                    out.append(_UNKNOWN)
                replacing = True
                continue
        replacing = False
        out.append(piece)
    return "".join(out)
