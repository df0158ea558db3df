"""An archive of original bytes, content-addressed by sha256 (received e-invoices live here).

``<root>/ab/cd/abcd…`` holds the exact bytes whose sha256 is ``abcd…``. A file is written to a
temporary name in the same directory, flushed to disk and renamed into place, so a reader never
sees half a file and a crash leaves at most a stray temporary file. Writing bytes that are already
there is a no-op, which makes a retried submission free.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

_CHUNK = 1024 * 1024


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class ArchiveProblem:
    sha256: str
    problem: str  # "missing" or "altered"


_SHA256 = re.compile(r"[0-9a-f]{64}")


class Archive:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._folders: set[Path] = set()  # folders known to exist: one mkdir per folder, not per file
        self._written = itertools.count()

    def path_of(self, sha256: str) -> Path:
        if not _SHA256.fullmatch(sha256):
            raise ValueError(f"not a sha256: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> str:
        """Store ``data`` (once), durably, and return its sha256."""
        return self._write(data, sync=True)

    def put_many(self, items: Sequence[bytes]) -> list[str]:
        """Store many originals with one flush to disk at the end instead of one per file: a batch
        of 10,000 small documents would otherwise spend its time in fsync."""
        digests = [self._write(data, sync=False) for data in items]
        if digests:
            os.sync()
        return digests

    def _write(self, data: bytes, *, sync: bool) -> str:
        digest = sha256_of(data)
        target = self.path_of(digest)
        if target.exists() and target.stat().st_size == len(data):
            return digest
        if target.parent not in self._folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._folders.add(target.parent)
        # A name of this process alone (pid, counter): O_EXCL makes a clash an error, not a mix-up.
        temporary = target.parent / f".incoming-{os.getpid()}-{threading.get_ident()}-{next(self._written)}"
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileNotFoundError:  # the folder was removed since: make it again
            target.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                if sync:
                    handle.flush()
                    os.fsync(handle.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return digest

    def read(self, sha256: str) -> bytes:
        """The original bytes; ``FileNotFoundError`` if the archive lost them."""
        return self.path_of(sha256).read_bytes()

    def check(self, sha256: str) -> ArchiveProblem | None:
        """Recompute the hash of one stored original."""
        path = self.path_of(sha256)
        if not path.is_file():
            return ArchiveProblem(sha256, "missing")
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
        return None if digest.hexdigest() == sha256 else ArchiveProblem(sha256, "altered")

    def stored(self) -> Iterator[str]:
        """Every sha256 the archive holds (stray temporary files excluded)."""
        if not self.root.is_dir():
            return
        for path in self.root.glob("??/??/*"):
            if not path.name.startswith("."):
                yield path.name
