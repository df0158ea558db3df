"""The ``Content-Disposition`` header of every file the app serves (PDF, CSV, reports).

HTTP headers are Latin-1, and a series prefix or a customer's name may not be (``請求-00000001.pdf``).
So the header follows RFC 6266 with RFC 5987 encoding: a plain ASCII ``filename`` that every client
understands, and, when the real name differs, ``filename*=UTF-8''…`` with the exact name, which
browsers prefer.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

# RFC 5987 attr-char: what may stay unescaped in ``filename*``.
_ATTR_CHARS = "!#$&+-.^_`|~"
_UNSAFE_ASCII = re.compile(r'[^\x20-\x7e]|["\\/;%]')


def ascii_filename(filename: str, default: str = "download") -> str:
    """``Factura-Ñandú-1.pdf`` -> ``Factura-Nandu-1.pdf``; what has no ASCII form becomes ``_``."""
    decomposed = unicodedata.normalize("NFKD", filename)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    safe = _UNSAFE_ASCII.sub("_", plain).strip(" .")
    safe = re.sub(r"_{2,}", "_", safe)
    return safe or default


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """The header value: ``attachment; filename="F-1.pdf"`` (``inline`` to open in the browser) plus
    ``filename*`` when the name is not plain ASCII."""
    fallback = ascii_filename(filename)
    header = f'{"inline" if inline else "attachment"}; filename="{fallback}"'
    if fallback != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe=_ATTR_CHARS)}"
    return header
