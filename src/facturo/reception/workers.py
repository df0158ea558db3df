"""Reception workers: threads inside ``facturo serve`` (the embedded default) or the loop of
``facturo reception work`` (a separate process, several of them against PostgreSQL).

Each loop drains the queue, then sleeps until woken by a new submission or a short poll, so a
document handed in through another process is picked up too.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from facturo.kit.archive import Archive
from facturo.kit.config import Settings
from facturo.kit.db import Units
from facturo.kit.errors import Msg, NotConfigured
from facturo.reception.formats.detect import ReadingOptions
from facturo.reception.processing import LEASE, BatchResult, process_batch

log = logging.getLogger("facturo.reception")

# An idle worker asks for work this often. Threads inside `facturo serve` are woken at once by a
# submission; a separate `facturo reception work` process only sees it at its next poll, and one
# indexed claim query twice a second costs nothing next to a document waiting seconds.
IDLE_POLL_SECONDS = 0.5
_CERTIFICATE_SUFFIXES = (".pem", ".crt", ".cer", ".der")


def reading_options(settings: Settings) -> ReadingOptions:
    """The operator's reading options: trusted FEL certificates from a file or a folder."""
    if settings.en16931_xslt is not None and not settings.en16931_xslt.is_file():
        raise NotConfigured(
            Msg(
                f"FACTURO_EN16931_XSLT apunta a {settings.en16931_xslt}, que no existe.",
                f"FACTURO_EN16931_XSLT points at {settings.en16931_xslt}, which does not exist.",
            )
        )
    source = settings.fel_trusted_certificates
    if source is None:
        return ReadingOptions()
    paths = (
        sorted(p for p in Path(source).iterdir() if p.suffix.lower() in _CERTIFICATE_SUFFIXES)
        if Path(source).is_dir()
        else [Path(source)]
    )
    return ReadingOptions(trusted_certificates=tuple(p.read_bytes() for p in paths), en16931_xslt=settings.en16931_xslt)


def worker_name(index: int) -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{index}"


def run_loop(
    units: Units,
    archive: Archive,
    name: str,
    options: ReadingOptions,
    stop: threading.Event,
    wake: threading.Event,
    on_batch: Callable[[BatchResult], None] | None = None,
    lease: timedelta = LEASE,
) -> None:
    """Process batches until ``stop`` is set; an error is logged and the loop goes on (the
    documents of a failed batch stay ``received`` and are claimed again after their lease)."""
    while not stop.is_set():
        try:
            batch = process_batch(units, archive, name, options=options, lease=lease)
        except Exception:
            log.exception("reception worker %s: batch failed", name)
            stop.wait(IDLE_POLL_SECONDS)
            continue
        if batch.claimed:
            if on_batch is not None:
                on_batch(batch)
            continue
        wake.wait(IDLE_POLL_SECONDS)
        wake.clear()


class WorkerThreads:
    """N worker threads for the life of the API process."""

    def __init__(
        self, units: Units, archive: Archive, options: ReadingOptions, count: int, lease: timedelta = LEASE
    ) -> None:
        self.stop = threading.Event()
        self.wake = threading.Event()
        self._threads = [
            threading.Thread(
                target=run_loop,
                args=(units, archive, worker_name(i), options, self.stop, self.wake, None, lease),
                name=f"facturo-reception-{i}",
                daemon=True,
            )
            for i in range(count)
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def notify(self) -> None:
        """Documents were just submitted: stop waiting for the next poll."""
        self.wake.set()

    def shutdown(self, timeout: float = 10.0) -> None:
        self.stop.set()
        self.wake.set()
        for thread in self._threads:
            thread.join(timeout)


def start_workers(units: Units, archive: Archive, settings: Settings) -> WorkerThreads:
    """Start ``settings.reception_workers`` threads (the embedded default inside `facturo serve`)."""
    lease = timedelta(seconds=settings.reception_lease_seconds)
    workers = WorkerThreads(units, archive, reading_options(settings), settings.reception_workers, lease)
    workers.start()
    return workers


def work_here(units: Units, settings: Settings, threads: int, *, once: bool, stop: threading.Event) -> BatchResult:
    """`facturo reception work`: drain the queue once, or run ``threads`` loops until ``stop``.
    Returns what a single drain did (zeros when looping)."""
    archive, options = Archive(settings.archive_dir), reading_options(settings)
    lease = timedelta(seconds=settings.reception_lease_seconds)
    if once:
        claimed = accepted = rejected = 0
        while True:
            batch = process_batch(units, archive, worker_name(0), options=options, lease=lease)
            if not batch.claimed:
                return BatchResult(claimed, accepted, rejected)
            claimed, accepted, rejected = claimed + batch.claimed, accepted + batch.accepted, rejected + batch.rejected
    wake = threading.Event()
    loops = [
        threading.Thread(
            target=run_loop, args=(units, archive, worker_name(i), options, stop, wake, None, lease), daemon=True
        )
        for i in range(threads)
    ]
    for loop in loops:
        loop.start()
    stop.wait()
    wake.set()
    for loop in loops:
        loop.join(30)
    return BatchResult(0, 0, 0)
