"""Hardened XML parsing for files that come from outside (uploads, imports, e-invoices).

Everything a user hands us goes through :func:`parse_untrusted`. It refuses, with a reason in
Spanish and English, anything that could make the parser read files, reach the network or blow
up memory: DTDs are refused outright (that single rule stops billion-laughs, quadratic blow-up
and external entities), input size is capped, and lxml is configured never to resolve entities,
load DTDs or talk to the network even if a DTD slipped past the checks.

The helpers :func:`local_name`, :func:`child_text` and :func:`iter_children` exist because real
input is sloppy: the same element shows up namespaced or not and as ``fechaHora`` or
``fechahora`` depending on who wrote the file.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterator
from typing import IO

from lxml import etree

__all__ = [
    "DEFAULT_MAX_BYTES",
    "UnsafeXmlError",
    "XmlStream",
    "child_text",
    "iter_children",
    "local_name",
    "parse_untrusted",
    "text_to_bytes",
]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024

_UTF8_BOM = b"\xef\xbb\xbf"
_READ_BYTES = 256 * 1024

# A DTD can only live in the prolog, so the window just has to be generous enough that padding
# the prolog is pointless; the docinfo check after parsing is the backstop for anything longer.
_PRESCAN_BYTES = 64 * 1024
_DTD_MARKERS = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)

# Only the encoding pseudo-attribute is removed (not the whole declaration) so that version and
# standalone survive and line numbers in error messages still match what the user sees.
_XML_DECL = re.compile(r"\A<\?xml\b[^>]*?\?>")
_ENCODING_ATTR = re.compile(r"""\s+encoding\s*=\s*(?:"[^"]*"|'[^']*')""")


class UnsafeXmlError(ValueError):
    """The input was refused. ``str()`` gives the English reason.

    ``rule`` is a stable identifier (``xml_empty``, ``xml_too_large``, ``xml_doctype``,
    ``xml_malformed``) meant for ``ValidationFailed.on(field, rule, reason_es, reason_en)``.
    """

    def __init__(self, rule: str, reason_es: str, reason_en: str) -> None:
        super().__init__(reason_en)
        self.rule = rule
        self.reason_es = reason_es
        self.reason_en = reason_en

    def __str__(self) -> str:
        return self.reason_en

    @classmethod
    def too_large(cls, max_bytes: int) -> UnsafeXmlError:
        return _too_large(max_bytes)


# What makes a parser safe for untrusted input, whole or incremental: never resolve entities, load
# a DTD or touch the network, and keep libxml2's limits on depth and text size.
_SAFE_PARSING: dict[str, bool] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
}


def _new_parser() -> etree.XMLParser:
    return etree.XMLParser(**_SAFE_PARSING, remove_comments=False)


_PARSERS = threading.local()


def _parser() -> etree.XMLParser:
    """This thread's parser: lxml parsers keep state and must not be shared across threads, but a
    thread may reuse its own from one document to the next (a parse leaves no state behind)."""
    found: etree.XMLParser | None = getattr(_PARSERS, "parser", None)
    if found is None:
        found = _PARSERS.parser = _new_parser()
    return found


def _human_size(n: int) -> str:
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n >= factor:
            value = n / factor
            text = f"{value:.0f}" if value == int(value) else f"{value:.1f}"
            return f"{text} {unit}"
    return f"{n} bytes"


def _too_large(max_bytes: int) -> UnsafeXmlError:
    size = _human_size(max_bytes)
    return UnsafeXmlError(
        "xml_too_large",
        f"El archivo supera el tamaño máximo de {size}.",
        f"The file exceeds the maximum size of {size}.",
    )


def _malformed(exc: etree.XMLSyntaxError) -> UnsafeXmlError:
    line = exc.lineno if exc.lineno is not None else 0
    detail = str(exc.msg or exc).strip()
    return UnsafeXmlError(
        "xml_malformed",
        f"XML mal formado en la línea {line}: {detail}",
        f"Malformed XML at line {line}: {detail}",
    )


def _doctype_refused() -> UnsafeXmlError:
    return UnsafeXmlError(
        "xml_doctype",
        "El XML contiene una declaración DOCTYPE o ENTITY; por seguridad no se aceptan DTD.",
        "The XML contains a DOCTYPE or ENTITY declaration; DTDs are not accepted for security reasons.",
    )


def text_to_bytes(data: bytes | str, max_bytes: int) -> bytes:
    """The bytes to parse: bytes as given, text re-encoded as UTF-8 (refused when too long)."""
    if isinstance(data, bytes):
        return data
    # Every character is at least one byte, so a long string can be refused before copying it.
    if len(data) > max_bytes:
        raise _too_large(max_bytes)
    text = data.removeprefix("\ufeff")
    # The text is already decoded, so a declared encoding would be a lie once re-encoded as
    # UTF-8 (and lxml rejects str input that declares one).
    decl = _XML_DECL.match(text)
    if decl is not None:
        text = _ENCODING_ATTR.sub("", decl.group(0)) + text[decl.end() :]
    return text.encode("utf-8")


def parse_untrusted(data: bytes | str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """Parse XML from an untrusted source and return its root element.

    Bytes are decoded according to the XML declaration (UTF-8 by default, ISO-8859-1 and the
    other encodings libxml2 knows also work); a UTF-8 BOM is ignored. A ``str`` is taken as
    already decoded, so any encoding it declares is disregarded.

    Raises :class:`UnsafeXmlError` if the input is empty, larger than ``max_bytes``, carries a
    DOCTYPE/ENTITY declaration, or is not well-formed.
    """
    raw = text_to_bytes(data, max_bytes)
    if len(raw) > max_bytes:
        raise _too_large(max_bytes)
    raw = raw.removeprefix(_UTF8_BOM)
    if not raw or raw.isspace():
        raise UnsafeXmlError("xml_empty", "El archivo XML está vacío.", "The XML file is empty.")

    # NUL bytes are dropped so the scan also sees markers written in UTF-16/UTF-32; a head without
    # "<!" (no comment, CDATA or declaration at all) needs no scan.
    if raw.find(b"\x00", 0, _PRESCAN_BYTES) >= 0:
        if _DTD_MARKERS.search(raw[:_PRESCAN_BYTES].replace(b"\x00", b"")):
            raise _doctype_refused()
    elif raw.find(b"<!", 0, _PRESCAN_BYTES) >= 0 and _DTD_MARKERS.search(raw, 0, _PRESCAN_BYTES):
        raise _doctype_refused()

    try:
        root = etree.fromstring(raw, _parser())
    except etree.XMLSyntaxError as exc:
        raise _malformed(exc) from None

    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise _doctype_refused()
    return root


def local_name(el: etree._Element) -> str:
    """The tag without its ``{namespace}`` part; ``""`` for comments and processing instructions."""
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def _matches(el: etree._Element, names: tuple[str, ...], ci: bool) -> bool:
    name = local_name(el)
    if not name:
        return False
    if ci:
        folded = name.casefold()
        return any(folded == n.casefold() for n in names)
    return name in names


def iter_children(el: etree._Element, name: str, ci: bool = True) -> Iterator[etree._Element]:
    """Direct child elements whose local name is ``name`` (case-insensitive unless ``ci=False``)."""
    for child in el:
        if _matches(child, (name,), ci):
            yield child


def child_text(el: etree._Element, *names: str, ci: bool = True) -> str | None:
    """Stripped text of the first direct child whose local name is any of ``names``.

    ``None`` means no such child; an empty element gives ``""``. The text of nested elements is
    included and comments are skipped, so ``<a>12<!-- x -->3</a>`` reads as ``"123"``.
    """
    for child in el:
        if _matches(child, names, ci):
            return "".join(child.itertext()).strip()
    return None


class _CappedReader:
    """What lxml reads from: refuses the input once it passes ``max_bytes`` and hashes it on the way,
    so a large file is never held whole and its checksum costs no second pass."""

    def __init__(self, source: IO[bytes], max_bytes: int) -> None:
        self._source = source
        self._max_bytes = max_bytes
        self.size = 0
        self._hash = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self._source.read(size if size and size > 0 else _READ_BYTES)
        self.size += len(chunk)
        if self.size > self._max_bytes:
            raise _too_large(self._max_bytes)
        self._hash.update(chunk)
        return chunk

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()


def _at_depth(el: etree._Element, root: etree._Element, depth: int) -> bool:
    node: etree._Element | None = el
    for _ in range(depth):
        node = node.getparent() if node is not None else None
    return node is root


class XmlStream:
    """An untrusted document read incrementally, under the same rules as :func:`parse_untrusted`.

    ``root()`` gives the root element as soon as its first child is read (its name and
    attributes); ``completed(depth)`` then yields each element at that depth once it is complete
    (1: children of the root) and clears it, with the siblings before it, when the caller moves on.
    Memory therefore stays bounded by one element, whatever the size of the file. Errors raise
    :class:`UnsafeXmlError`, possibly after some elements were yielded: callers must not write
    anything until the stream is exhausted.

    ``size`` and ``sha256`` describe the bytes read so far (the whole input once exhausted).
    """

    def __init__(self, source: IO[bytes], *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        head = source.read(_PRESCAN_BYTES)
        if not head.removeprefix(_UTF8_BOM).strip() and not source.read(1):
            raise UnsafeXmlError("xml_empty", "El archivo XML está vacío.", "The XML file is empty.")
        if _DTD_MARKERS.search(head.replace(b"\x00", b"")):
            raise _doctype_refused()
        source.seek(0)
        self._reader = _CappedReader(source, max_bytes)
        # Only "end" events: half the events of start+end, and the root is known from the first
        # one (its tree), long before the document ends.
        self._events = etree.iterparse(
            self._reader, events=("end",), **_SAFE_PARSING, remove_comments=True, remove_pis=True
        )
        self._root: etree._Element | None = None
        self._pending: etree._Element | None = None

    @property
    def size(self) -> int:
        return self._reader.size

    @property
    def sha256(self) -> str:
        return self._reader.sha256

    def root(self) -> etree._Element:
        if self._root is None:
            try:
                _, first = next(self._events)
            except StopIteration:  # pragma: no cover - libxml2 reports an empty document as malformed
                raise UnsafeXmlError("xml_empty", "El archivo XML está vacío.", "The XML file is empty.") from None
            except etree.XMLSyntaxError as exc:
                raise _malformed(exc) from None
            tree = first.getroottree()
            docinfo = tree.docinfo
            if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
                raise _doctype_refused()
            self._root, self._pending = tree.getroot(), first
        return self._root

    def completed(self, depth: int) -> Iterator[etree._Element]:
        root = self.root()
        events = self._events
        pending, self._pending = self._pending, None
        try:
            while True:
                if pending is not None:
                    el, pending = pending, None
                else:
                    try:
                        el = next(events)[1]
                    except StopIteration:
                        break
                parent = el.getparent()
                if parent is None or not (parent is root if depth == 1 else _at_depth(parent, root, depth - 1)):
                    continue
                yield el
                el.clear(keep_tail=False)
                while el.getprevious() is not None:
                    del parent[0]
        except etree.XMLSyntaxError as exc:
            raise _malformed(exc) from None
        # Drain whatever follows (for the size, the checksum and well-formedness to the last byte).
        while self._reader.read(_READ_BYTES):
            pass
