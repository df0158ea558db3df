"""CSV export that is safe to open in a spreadsheet.

Exports end up in Excel or LibreOffice, where a cell that starts with ``=``, ``+``, ``-`` or
``@`` is run as a formula. A customer name like ``=HYPERLINK("http://evil", "clic")`` would then
execute on the accountant's machine (CSV/formula injection), so such text cells get a leading
apostrophe, the mitigation OWASP recommends. Numbers are never touched: ``-12.50`` is a refund,
not an attack.

Values are written the way an accountant expects: amounts as plain decimals (``100``, never
``1E+2``, never a float approximation), dates as ``YYYY-MM-DD``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum

__all__ = ["csv_bytes", "csv_stream", "format_cell", "write_csv"]

# Excel needs the BOM to read the file as UTF-8; without it "Facturación" opens as
# "FacturaciÃ³n" because Excel assumes the ANSI code page. Python's csv reader and LibreOffice
# both cope with it.
_UTF8_BOM = "\ufeff"

# Tab and carriage return are included because some spreadsheets strip them and then evaluate
# whatever follows.
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def _neutralise(text: str) -> str:
    if text.startswith(_FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def format_cell(value: object) -> str:
    """How one value is written to a CSV cell.

    ``None`` → empty, ``Decimal`` → positional notation, ``datetime``/``date``/``time`` → ISO 8601,
    ``Enum`` → its value; any other text is neutralised against formula injection.
    """
    if isinstance(value, Enum):
        value = value.value
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        # repr() is the shortest exact round-trip form; going through Decimal avoids "1e-05".
        return format(Decimal(repr(value)), "f")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    # datetime before date: every datetime is also a date.
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return _neutralise(str(value))


def write_csv(rows: Iterable[Sequence[object]], header: Sequence[str]) -> str:
    """Render ``header`` and ``rows`` as CSV text (RFC 4180, CRLF line endings, no BOM).

    Raises ``ValueError`` if a row does not have as many cells as the header, since a shifted
    column in an accounting export is worse than no export.
    """
    return "".join(_csv_text(rows, header, every=None))


def _csv_text(rows: Iterable[Sequence[object]], header: Sequence[str], *, every: int | None) -> Iterator[str]:
    """The CSV text, ``every`` rows at a time (all at once without it)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_neutralise(h) for h in header])
    width = len(header)
    for number, row in enumerate(rows, start=1):
        if len(row) != width:
            raise ValueError(f"CSV row {number} has {len(row)} cells but the header has {width}")
        writer.writerow([format_cell(v) for v in row])
        if every is not None and number % every == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_bytes(rows: Iterable[Sequence[object]], header: Sequence[str]) -> bytes:
    """Like :func:`write_csv`, encoded as UTF-8 with a BOM so Excel shows accents correctly."""
    return (_UTF8_BOM + write_csv(rows, header)).encode("utf-8")


def csv_stream(rows: Iterable[Sequence[object]], header: Sequence[str], *, every: int = 5_000) -> Iterator[bytes]:
    """Like :func:`csv_bytes`, produced a few thousand rows at a time, for downloads too large to
    build in memory."""
    yield _UTF8_BOM.encode("utf-8")
    for text in _csv_text(rows, header, every=every):
        yield text.encode("utf-8")
