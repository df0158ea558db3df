"""Zip archives of documents, read entry by entry without trusting them.

A zip is a batch of documents, never a document. Each entry is either handed on as a file or
refused with a reason that counts in the submission:

* names that could escape a directory (``..``, absolute paths, drive letters) are refused, since
  the name is shown to people and used in downloads;
* nested archives are refused (one level of batching only);
* entries whose declared or actual size passes the document limit, or whose compression ratio
  is that of a bomb, are refused without being inflated past the limit;
* encrypted entries, and the archivers' own metadata (``__MACOSX/``, ``._`` files) are refused.

The whole zip is also bounded: at most ``MAX_ENTRIES`` entries and ``MAX_TOTAL_BYTES`` inflated.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import IO

from facturo.kit.errors import Msg, ValidationFailed
from facturo.reception.formats.detect import MAX_DOCUMENT_BYTES
from facturo.reception.submission import IncomingFile, RefusedItem

MAX_ENTRIES = 100_000
MAX_TOTAL_BYTES = 4 * 1024 * 1024 * 1024
# Real XML and JSON compress 5–20x; a bomb compresses a thousand times or more.
MAX_RATIO = 200
_RATIO_FLOOR = 1024 * 1024  # small entries may compress as they like
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_ARCHIVE_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!", b"BZh")
_ARCHIVE_SUFFIXES = (".zip", ".gz", ".tgz", ".tar", ".7z", ".rar", ".bz2", ".xz")


def is_zip(head: bytes) -> bool:
    return head.startswith(ZIP_MAGIC)


def _refused(name: str, es: str, en: str) -> RefusedItem:
    return RefusedItem(name[:300], Msg(es, en))


def _unsafe_name(name: str) -> bool:
    if not name or "\x00" in name or "\\" in name:
        return True
    path = PurePosixPath(name)
    return path.is_absolute() or ".." in path.parts or (len(name) > 1 and name[1] == ":")


def _metadata(name: str) -> bool:
    path = PurePosixPath(name)
    return path.parts[:1] == ("__MACOSX",) or path.name.startswith("._") or path.name in {".DS_Store", "Thumbs.db"}


def entries(source: IO[bytes]) -> Iterator[IncomingFile | RefusedItem]:
    """The files of a zip read from ``source`` (a seekable file: a spooled upload)."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ValidationFailed.on(
            "file",
            "zip.invalid",
            f"El archivo zip no se puede leer: {error}.",
            f"The zip file cannot be read: {error}.",
        ) from None
    with archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        if len(infos) > MAX_ENTRIES:
            raise ValidationFailed.on(
                "file",
                "zip.too_many",
                f"El zip tiene {len(infos):,} archivos; el máximo por envío es {MAX_ENTRIES:,}.",
                f"The zip holds {len(infos):,} files; a submission takes at most {MAX_ENTRIES:,}.",
            )
        inflated = 0
        for info in infos:
            item = _entry(archive, info, MAX_TOTAL_BYTES - inflated)
            if isinstance(item, IncomingFile):
                inflated += len(item.data)
            yield item


def _entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> IncomingFile | RefusedItem:
    name = info.filename
    if _unsafe_name(name):
        return _refused(
            name,
            "Nombre de archivo peligroso dentro del zip (ruta absoluta o «..»): no se procesó.",
            "Dangerous file name inside the zip (an absolute path or “..”): not processed.",
        )
    if _metadata(name):
        return _refused(
            name,
            "Metadatos del compresor, no un documento: se omitió.",
            "Archiver metadata, not a document: skipped.",
        )
    if info.flag_bits & 0x1:
        return _refused(name, "Archivo cifrado dentro del zip: no se puede leer.", "Encrypted entry: cannot be read.")
    if name.lower().endswith(_ARCHIVE_SUFFIXES):
        return _nested(name)
    limit = min(MAX_DOCUMENT_BYTES, budget)
    if info.file_size > limit or (
        info.file_size > _RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1)
    ):
        return _too_big(name, limit)
    try:
        with archive.open(info) as handle:
            # The header's size is the sender's word: read one byte past the limit to know.
            data = handle.read(limit + 1)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError) as error:
        return _refused(name, f"Entrada dañada del zip: {error}.", f"Damaged zip entry: {error}.")
    if len(data) > limit:
        return _too_big(name, limit)
    if data.startswith(_ARCHIVE_MAGIC):
        return _nested(name)
    return IncomingFile(name, data)


def _nested(name: str) -> RefusedItem:
    return _refused(
        name,
        "Un archivo comprimido dentro del zip no se procesa: envíe los documentos en un solo nivel.",
        "An archive inside the zip is not processed: send the documents in one level.",
    )


def _too_big(name: str, limit: int) -> RefusedItem:
    return _refused(
        name,
        f"El archivo descomprimido pasa del máximo de {limit:,} bytes por documento (o es una bomba zip).",
        f"The inflated file is over the {limit:,}-byte limit per document (or a zip bomb).",
    )


def files_of(name: str, source: IO[bytes]) -> Iterator[IncomingFile | RefusedItem]:
    """What one uploaded file holds: the entries of a zip, or the file itself."""
    head = source.read(4)
    source.seek(0)
    if is_zip(head):
        yield from entries(source)
        return
    data = source.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        yield _too_big(name, MAX_DOCUMENT_BYTES)
        return
    yield IncomingFile(name, data)
