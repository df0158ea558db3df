"""One large IPC2 consumption message imported through the API and through the CLI: peak memory,
time, and how long a small concurrent write waits meanwhile (issue 10).

Messages come from ``usage_messages.py``: one ``archivoConfiguraciones`` (``--customers``, 1-3
instances each) and ONE ``listadoConsumos`` of about ``--size-mb`` MB (10^6 bytes; the number of
consumptions is chosen from the bytes per line of a small sample). They are written once into
``--workdir`` (default ``$TMPDIR/facturo-import-size``), cached by size, customers, bad fraction and
seed, in a child process so the benchmark itself never holds the message. ``--bad-fraction`` adds
unknown instances, 2099 dates and exact copies (a third each), so the report path is exercised.

Per database (a temporary SQLite file; a throwaway ``facturo_bench_<random>`` PostgreSQL database
when the server answers, ``--skip-pg`` to skip), each surface on a fresh database with the
organisation set up:

* **api**: ``uvicorn facturo.api.app:create_app --factory --workers 1`` on 127.0.0.1; the
  configuration is POSTed to ``/api/v1/usage/messages``, the server's RSS left to settle (the
  baseline), then the consumption file is POSTed streamed from disk while one thread samples the
  server's RSS every 50 ms and another creates a customer every 0.5 s (``POST /api/v1/customers``).
  The RSS is read again 5 s after the reply.
* **cli**: ``facturo usage import <configuration>``, then a server on the same database for the
  small writes, then ``facturo usage import <consumptions> --json`` timed, its RSS sampled every
  50 ms (and its VmHWM and ``wait4`` maximum RSS), while the writes go to the server: the CLI's
  write-lock time is what they wait for.

Afterwards ``usage_consumptions`` is counted: it must equal the consumptions the report created,
which must equal the good consumptions generated. Exit code 1 if an import failed, a small write
got a 5xx, failed or waited more than 10 s, or a count is wrong. The issue's targets (peak RSS
< 300 MB, small writes wait seconds at most) are printed as PASS/FAIL but do not set the exit code.

    python bench/import_size.py                              # 200 MB, SQLite and PostgreSQL
    python bench/import_size.py --size-mb 5 --skip-pg        # smoke, under a minute
    python bench/import_size.py --size-mb 20 --bad-fraction 0.03 --surfaces api
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

import generate
import read_load
import usage_messages as messages
from facturo.auth import service as auth
from facturo.kit.access import Permission
from facturo.kit.actor import SYSTEM

HOST = read_load.HOST  # loopback only
MB = 1_000_000
MIB = 1024 * 1024
UPLOAD_LIMIT = 200 * MIB  # FACTURO_MAX_UPLOAD_BYTES and the reader's MAX_MESSAGE_BYTES by default
SAMPLE_INTERVAL = 0.05  # s between RSS samples
WRITE_INTERVAL = 0.5  # s between small writes
WRITE_TIMEOUT = 60.0  # s before a small write counts as failed outright
WRITE_LIMIT = 10.0  # s: a small write waiting longer fails the run
WRITE_TARGET = 5.0  # s: "seconds at most" (issue 10), reported only
RSS_TARGET = 300 * MB  # peak RSS target (issue 10), reported only
SETTLE_WINDOW = 2.0  # s of RSS within SETTLE_SPREAD_KIB for the baseline
SETTLE_SPREAD_KIB = 2 * 1024
SETTLE_TIMEOUT = 20.0
AFTER_DELAY = 5.0  # s after the import's end for the "after" RSS
IMPORT_TIMEOUT = 3600.0
SIZE_SAMPLE = 4_000  # consumptions in the sample that sets the bytes per line
WRITER_NIT_BASE = 70_000_000  # the small writes' NIT bodies; the messages' customers start at 10,000,000
SURFACES = ("api", "cli")


# --- the messages ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MessageSet:
    directory: Path
    size_bytes: int
    good: int
    unknown_instance: int
    future: int
    duplicates: int
    customers: int
    instances: int

    @property
    def configuration(self) -> Path:
        return self.directory / "configuracion.xml"

    @property
    def consumptions(self) -> Path:
        return self.directory / "consumos.xml"

    @property
    def items(self) -> int:
        return self.good + self.unknown_instance + self.future + self.duplicates

    @property
    def rejected(self) -> int:
        return self.unknown_instance + self.future


def cache_directory(workdir: Path, args: argparse.Namespace) -> Path:
    return workdir / f"ipc2-{args.size_mb:g}MB-c{args.customers}-bad{args.bad_fraction:g}-seed{args.seed}"


def load_cached(directory: Path) -> MessageSet | None:
    meta = directory / "meta.json"
    if not meta.is_file():
        return None
    found = MessageSet(**{**json.loads(meta.read_text()), "directory": directory})
    complete = found.configuration.is_file() and found.consumptions.is_file()
    return found if complete and found.consumptions.stat().st_size == found.size_bytes else None


def one_file(catalog: messages.Catalog, good: int, seed: int, bad_fraction: float) -> messages.ConsumptionFile:
    """A single consumption file of ``good`` good items, plus a third of ``bad_fraction`` of each bad kind."""
    third = bad_fraction / 3
    files = messages.consumption_files(
        catalog, good, good, seed=seed, bad_unknown=third, bad_future=third, bad_duplicates=third
    )
    return next(files)


def good_for_size(catalog: messages.Catalog, target_bytes: int, seed: int, bad_fraction: float) -> int:
    """Good consumptions for a file of about ``target_bytes``, from a small sample's bytes per line."""
    sample = one_file(catalog, SIZE_SAMPLE, seed, bad_fraction)
    overhead = len(b'<?xml version="1.0" encoding="UTF-8"?>\n<listadoConsumos>\n</listadoConsumos>\n')
    per_good = (len(sample.data) - overhead) / SIZE_SAMPLE
    return max(1, round((target_bytes - overhead) / per_good))


def write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".partial")
    temporary.write_bytes(data)
    temporary.replace(path)


def generate_messages(directory: Path, target_bytes: int, customers: int, seed: int, bad_fraction: float) -> None:
    """Write the pair and its meta.json (run in a child process: the file is built in memory)."""
    directory.mkdir(parents=True, exist_ok=True)
    catalog = messages.build_catalog(customers, seed=seed)
    write_atomically(directory / "configuracion.xml", messages.configuration_xml(catalog))
    good = good_for_size(catalog, target_bytes, seed, bad_fraction)
    one = one_file(catalog, good, seed, bad_fraction)
    write_atomically(directory / "consumos.xml", one.data)
    meta = {
        "size_bytes": len(one.data),
        "good": one.good,
        "unknown_instance": one.unknown_instance,
        "future": one.future,
        "duplicates": one.duplicates,
        "customers": len(catalog.customers),
        "instances": catalog.instance_count,
    }
    (directory / "meta.json").write_text(json.dumps(meta))


def prepare_messages(args: argparse.Namespace) -> MessageSet:
    directory = cache_directory(args.workdir, args)
    cached = load_cached(directory)
    if cached is None:
        print(f"generating the messages into {directory} ...", flush=True)
        started = time.perf_counter()
        child = multiprocessing.get_context("fork").Process(
            target=generate_messages,
            args=(directory, round(args.size_mb * MB), args.customers, args.seed, args.bad_fraction),
        )
        child.start()
        child.join()
        cached = load_cached(directory)
        if child.exitcode != 0 or cached is None:
            raise SystemExit(f"generating the messages failed (exit code {child.exitcode})")
        print(f"   generated in {time.perf_counter() - started:.1f} s", flush=True)
    else:
        print(f"messages cached in {directory}", flush=True)
    describe(cached)
    return cached


def describe(found: MessageSet) -> None:
    size = found.consumptions.stat().st_size
    print(
        f"   {found.configuration.name}: {found.configuration.stat().st_size / MIB:.2f} MiB, "
        f"{found.customers:,} customers, {found.instances:,} instances\n"
        f"   {found.consumptions.name}: {size / MIB:.1f} MiB ({size / MB:.1f} MB), {found.items:,} consumptions "
        f"({found.good:,} good + {found.unknown_instance:,} unknown instance + {found.future:,} future "
        f"+ {found.duplicates:,} duplicates)",
        flush=True,
    )
    if size > UPLOAD_LIMIT:
        print(f"   warning: larger than the {UPLOAD_LIMIT / MIB:.0f} MiB upload limit: expect a 413", flush=True)


# --- memory from /proc ------------------------------------------------------------------------------


def status_kib(pid: int, field_name: str) -> int | None:
    """A ``kB`` line of /proc/<pid>/status (VmRSS, VmHWM), or None once the process is gone."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    return None  # a zombie has no memory lines


def group_pids(pgid: int) -> list[int]:
    """The processes of a process group (the server was started in its own session)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid:
            found.append(int(stat.parent.name))
    return found


def total_kib(pids: Sequence[int], field_name: str) -> int:
    return sum(status_kib(pid, field_name) or 0 for pid in pids)


class RssSampler:
    """Samples the summed VmRSS (and VmHWM) of some processes every 50 ms in a thread."""

    def __init__(self, pids: Callable[[], list[int]], refresh_every: int = 20) -> None:
        self._pids, self._refresh_every = pids, refresh_every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self.peak_kib = self.hwm_kib = self.last_kib = self.samples = 0

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        pids = self._pids()
        while not self._stop.is_set():
            if self.samples % self._refresh_every == 0:
                pids = self._pids()
            rss = total_kib(pids, "VmRSS")
            if rss:
                self.last_kib = rss
                self.peak_kib = max(self.peak_kib, rss)
                self.hwm_kib = max(self.hwm_kib, total_kib(pids, "VmHWM"))
            self.samples += 1
            self._stop.wait(SAMPLE_INTERVAL)


def settled_rss_kib(pids: Callable[[], list[int]]) -> int:
    """The RSS once it stays within SETTLE_SPREAD_KIB for SETTLE_WINDOW (or after SETTLE_TIMEOUT)."""
    window: list[tuple[float, int]] = []
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while True:
        now = time.monotonic()
        window = [(t, v) for t, v in window if now - t <= SETTLE_WINDOW]
        window.append((now, total_kib(pids(), "VmRSS")))
        values = [v for _, v in window]
        full = now - window[0][0] >= SETTLE_WINDOW * 0.9
        if (full and max(values) - min(values) <= SETTLE_SPREAD_KIB) or now >= deadline:
            return values[-1]
        time.sleep(0.25)


# --- the small concurrent writes ---------------------------------------------------------------------


@dataclass(frozen=True)
class WriteSample:
    at: float  # s since the writer started
    seconds: float
    status: int  # 0: no answer (timeout, connection error)


class SmallWriter:
    """Creates one customer every WRITE_INTERVAL (sooner after a slow one) until stopped."""

    def __init__(self, base_url: str, token: str, first_body: int = WRITER_NIT_BASE) -> None:
        self._client = httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=WRITE_TIMEOUT
        )
        self._next_body = first_body
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="small-writer", daemon=True)
        self._started = 0.0
        self.samples: list[WriteSample] = []

    def write_once(self) -> WriteSample:
        body, self._next_body = self._next_body, self._next_body + 1
        payload = {"nit": generate.nit_for(body), "name": f"Cliente concurrente {body}"}
        sent = time.perf_counter()
        try:
            status = self._client.post("/api/v1/customers", json=payload).status_code
        except httpx.HTTPError:
            status = 0
        return WriteSample(sent - self._started, time.perf_counter() - sent, status)

    def __enter__(self) -> SmallWriter:
        self._started = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self._stop.set()
        # Interrupted: do not wait for a write stuck behind a lock; the thread is a daemon.
        self._thread.join(timeout=None if kind is None else 2.0)
        if not self._thread.is_alive():
            self._client.close()

    def _run(self) -> None:
        due = time.monotonic()
        while not self._stop.is_set():
            self.samples.append(self.write_once())
            due = max(due + WRITE_INTERVAL, time.monotonic())
            self._stop.wait(max(0.0, due - time.monotonic()))


@dataclass(frozen=True)
class WriteStats:
    count: int
    p50_s: float
    max_s: float
    non_2xx: int
    failed: int  # 5xx, no answer, or slower than WRITE_LIMIT
    outliers: tuple[str, ...]  # the writes slower than WRITE_TARGET or not 2xx: when, status, latency

    @classmethod
    def of(cls, samples: Sequence[WriteSample]) -> WriteStats:
        seconds = [s.seconds for s in samples]
        odd = [s for s in samples if s.seconds > WRITE_TARGET or not 200 <= s.status < 300]
        return cls(
            count=len(samples),
            p50_s=statistics.median(seconds) if seconds else 0.0,
            max_s=max(seconds, default=0.0),
            non_2xx=sum(not 200 <= s.status < 300 for s in samples),
            failed=sum(s.status == 0 or s.status >= 500 or s.seconds > WRITE_LIMIT for s in samples),
            outliers=tuple(f"sent at {s.at:.1f} s: {s.status or 'no answer'} after {s.seconds:.1f} s" for s in odd),
        )


def idle_write_ms(writer: SmallWriter, n: int = 5) -> float:
    """Median latency of a few small writes before the import: what they cost undisturbed."""
    return statistics.median(writer.write_once().seconds for _ in range(n)) * 1000


# --- results -----------------------------------------------------------------------------------------


@dataclass
class CaseResult:
    database: str
    surface: str
    items: int
    good: int
    rejected_expected: int
    status: int | None = None  # HTTP status (api) or exit code (cli)
    seconds: float = 0.0
    body_bytes: int = 0
    baseline_kib: int = 0
    peak_kib: int = 0
    after_kib: int | None = None
    writes: WriteStats | None = None
    idle_write_ms: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    problems: dict[str, int] = field(default_factory=dict)
    rows: int | None = None
    error: str = ""

    @property
    def imported(self) -> bool:
        ok_status = self.status == 0 if self.surface == "cli" else self.status is not None and self.status < 300
        return not self.error and ok_status

    @property
    def rate(self) -> float:
        return self.items / self.seconds if self.seconds else 0.0

    @property
    def rows_ok(self) -> bool:
        """usage_consumptions = created = the good items generated; rejected = the bad ones."""
        created, rejected = self.counts.get("created"), self.counts.get("rejected", self.rejected_expected)
        return self.rows is not None and self.rows == created == self.good and rejected == self.rejected_expected

    @property
    def writes_ok(self) -> bool:
        return self.writes is not None and self.writes.count > 0 and self.writes.failed == 0

    @property
    def ok(self) -> bool:
        return self.imported and self.rows_ok and self.writes_ok

    @property
    def rss_verdict(self) -> str:
        return "PASS" if self.peak_kib and self.peak_kib * 1024 < RSS_TARGET else "FAIL"

    @property
    def latency_verdict(self) -> str:
        return "PASS" if self.writes and self.writes.count and self.writes.max_s <= WRITE_TARGET else "FAIL"


def report_counts(report: dict[str, Any]) -> tuple[dict[str, int], dict[str, int]]:
    """The consumption counts and the number of problems of each kind: the exact ``problem_counts``
    of a summary reply (whose lists hold only the first problems), else the lengths of the lists."""
    counts = {k: int(v) for k, v in report.get("counts", {}).get("consumption", {}).items()}
    exact = report.get("problem_counts") or {}
    problems = {}
    for name in ("duplicates", "warnings", "rejections"):
        value = exact.get(name, report.get(name, 0))
        problems[name] = len(value) if isinstance(value, list) else int(value)
    return counts, problems


def count_rows(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM usage_consumptions")).scalar_one())
    finally:
        engine.dispose()


def finish(result: CaseResult, url: str, report: dict[str, Any] | None) -> None:
    if report is not None:
        result.counts, result.problems = report_counts(report)
    result.rows = count_rows(url)
    print_case(result)


def print_case(result: CaseResult) -> None:
    writes = result.writes
    print(
        f"   {result.surface}: status {result.status}, {result.seconds:.1f} s, {result.rate:,.0f} consumptions/s, "
        f"reply {result.body_bytes:,} bytes; RSS baseline {mib(result.baseline_kib)}, peak {mib(result.peak_kib)}, "
        f"after {mib(result.after_kib)} MiB\n"
        f"   counts {result.counts} problems {result.problems}; usage_consumptions {result.rows or 0:,} "
        f"(expected {result.good:,} created, {result.rejected_expected:,} rejected)\n"
        f"   small writes: idle {result.idle_write_ms:.0f} ms; during the import {writes.count if writes else 0}, "
        f"p50 {ms(writes.p50_s if writes else None)} ms, max {ms(writes.max_s if writes else None)} ms, "
        f"non-2xx {writes.non_2xx if writes else '-'}"
        + (f"\n   slow or failed writes: {'; '.join(writes.outliers[:8])}" if writes and writes.outliers else "")
        + (f"\n   error: {result.error}" if result.error else ""),
        flush=True,
    )


def mib(kib: int | None) -> str:
    return "-" if not kib else f"{kib / 1024:,.0f}"


def ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:,.0f}"


# --- databases and servers -------------------------------------------------------------------------------


def set_up(url: str) -> str:
    """Migrate, create the organisation, and return an API token holding every permission."""
    db = generate.open_database(url)
    try:
        generate.create_organisation(db)
        with db.unit_of_work() as session:
            _, plaintext = auth.create_api_token(session, SYSTEM, "bench import_size", list(Permission))
            return plaintext
    finally:
        db.dispose()


@contextmanager
def fresh_database(kind: str, tmp: Path, name: str, pg_admin_url: str) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp / f'{name}.sqlite3'}"
        return
    with generate.throwaway_pg_database(pg_admin_url) as url:
        yield url


def facturo_env(url: str, data_dir: Path) -> dict[str, str]:
    return os.environ | {"FACTURO_DATA_DIR": str(data_dir), "FACTURO_DATABASE_URL": url}


def facturo_command() -> str:
    beside = Path(sys.executable).with_name("facturo")
    found = str(beside) if beside.exists() else shutil.which("facturo")
    if found is None:
        raise SystemExit("the facturo command is not installed (pip install -e . in the venv)")
    return found


def post_message(client: httpx.Client, path: Path) -> httpx.Response:
    """POST one message streamed from disk: httpx reads the open file 64 KiB at a time and sends
    its Content-Length, so the benchmark never holds the message."""
    with path.open("rb") as body:
        return client.post("/api/v1/usage/messages", content=body, headers={"Content-Type": "application/xml"})


def api_client(base_url: str, token: str) -> httpx.Client:
    timeout = httpx.Timeout(IMPORT_TIMEOUT, connect=10)
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=timeout)


# --- the two surfaces --------------------------------------------------------------------------------------


def new_result(label: str, surface: str, found: MessageSet) -> CaseResult:
    return CaseResult(label, surface, found.items, found.good, found.rejected)


def api_case(url: str, label: str, found: MessageSet, data_dir: Path) -> CaseResult:
    result = new_result(label, "api", found)
    token = set_up(url)
    with read_load.running_server(url, data_dir, 1) as server, api_client(server.base_url, token) as client:
        post_message(client, found.configuration).raise_for_status()
        pids = partial(group_pids, server.process.pid)
        result.baseline_kib = settled_rss_kib(pids)
        writer = SmallWriter(server.base_url, token)
        result.idle_write_ms = idle_write_ms(writer)
        with writer, RssSampler(pids) as sampler:
            started = time.perf_counter()
            response = post_message(client, found.consumptions)
            result.seconds = time.perf_counter() - started
        time.sleep(AFTER_DELAY)
        result.after_kib = total_kib(pids(), "VmRSS")
        result.peak_kib = max(sampler.peak_kib, sampler.hwm_kib)
        result.writes = WriteStats.of(writer.samples)
        result.status, result.body_bytes = response.status_code, len(response.content)
        if not response.is_success:
            result.error = response.text[:300]
        print(f"   {server.log_summary()}", flush=True)
    finish(result, url, response.json() if response.is_success else None)
    return result


def run_cli(command: Sequence[str], env: dict[str, str], cwd: Path, out: Path) -> tuple[int, float, int, RssSampler]:
    """Run the CLI with its stdout in ``out`` (stderr beside it), sampling its RSS; its exit code,
    wall seconds, the maximum RSS the kernel saw (wait4, KiB) and the sampler."""
    started = time.perf_counter()
    with out.open("wb") as sink, out.with_suffix(".stderr").open("wb") as errors:
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=sink, stderr=errors, start_new_session=True)
    try:
        with RssSampler(lambda: [process.pid], refresh_every=1_000_000) as sampler:
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
        return process.returncode, time.perf_counter() - started, usage.ru_maxrss, sampler
    finally:
        if process.returncode is None:  # interrupted: stop the CLI too
            os.killpg(process.pid, signal.SIGTERM)
            process.wait()
        tail = out.with_suffix(".stderr").read_text(errors="replace").strip()
        if tail:
            print(f"   CLI stderr: {tail[-500:]}", flush=True)


def cli_report(out: Path) -> dict[str, Any] | None:
    try:
        entries = json.loads(out.read_text())
    except (OSError, ValueError):
        return None
    entry = entries[0] if isinstance(entries, list) and entries else entries
    return entry if isinstance(entry, dict) and "counts" in entry else None


def cli_case(url: str, label: str, found: MessageSet, data_dir: Path) -> CaseResult:
    result = new_result(label, "cli", found)
    token = set_up(url)
    env, facturo = facturo_env(url, data_dir), facturo_command()
    code, _, config_maxrss, _ = run_cli(
        [facturo, "usage", "import", str(found.configuration), "--json"], env, data_dir, data_dir / "config.json"
    )
    if code != 0:
        raise RuntimeError(f"facturo usage import of the configuration exited {code}")
    result.baseline_kib = config_maxrss
    out = data_dir / "consumptions.json"
    with read_load.running_server(url, data_dir, 1) as server:
        writer = SmallWriter(server.base_url, token)
        result.idle_write_ms = idle_write_ms(writer)
        with writer:
            command = [facturo, "usage", "import", str(found.consumptions), "--json"]
            result.status, result.seconds, maxrss, sampler = run_cli(command, env, data_dir, out)
        result.peak_kib = max(sampler.peak_kib, sampler.hwm_kib, maxrss)
        result.writes = WriteStats.of(writer.samples)
        print(f"   {server.log_summary()}", flush=True)
    result.body_bytes = out.stat().st_size
    report = cli_report(out)
    if result.status != 0 or report is None:
        result.error = f"exit code {result.status}: {out.read_text(errors='replace')[:300]}"
    finish(result, url, report)
    return result


# --- orchestration -----------------------------------------------------------------------------------------

CASES: dict[str, Callable[[str, str, MessageSet, Path], CaseResult]] = {"api": api_case, "cli": cli_case}


def run_one(kind: str, surface: str, found: MessageSet, tmp: Path, args: argparse.Namespace) -> CaseResult:
    print(f"\n== {kind} / {surface}", flush=True)
    data_dir = tmp / f"{kind}-{surface}"
    data_dir.mkdir()
    try:
        with fresh_database(kind, data_dir, "facturo", args.pg_admin_url) as url:
            return CASES[surface](url, kind, found, data_dir)
    except (RuntimeError, OSError, httpx.HTTPError) as exc:
        print(f"   FAILED: {type(exc).__name__}: {exc}", flush=True)
        result = new_result(kind, surface, found)
        result.error = f"{type(exc).__name__}: {exc}"
        return result


def databases(args: argparse.Namespace) -> list[str]:
    kinds = [] if args.skip_sqlite else ["sqlite"]
    if not args.skip_pg:
        reason = generate.pg_unreachable_reason(args.pg_admin_url)
        if reason is None:
            kinds.append("postgresql")
        else:
            print(f"PostgreSQL skipped: {args.pg_admin_url} does not answer ({reason})", flush=True)
    return kinds


COLUMNS = (
    ("database", "<10"), ("surface", "<7"), ("MiB", ">6"), ("consumptions", ">12"), ("status", ">6"),
    ("wall s", ">7"), ("cons/s", ">8"), ("reply B", ">9"), ("base MiB", ">8"), ("peak MiB", ">8"),
    ("+5s MiB", ">7"), ("writes", ">6"), ("p50 ms", ">7"), ("max ms", ">8"), ("non-2xx", ">7"),
    ("rows", ">10"), ("counts", "<6"), ("RSS<300MB", "<9"), ("write<=5s", "<9"),
)  # fmt: skip


def row(r: CaseResult, size_mib: float) -> list[str]:
    w = r.writes
    return [
        r.database, r.surface, f"{size_mib:.1f}", f"{r.items:,}", "-" if r.status is None else str(r.status),
        f"{r.seconds:.1f}", f"{r.rate:,.0f}", f"{r.body_bytes:,}", mib(r.baseline_kib), mib(r.peak_kib),
        mib(r.after_kib), str(w.count if w else 0), ms(w.p50_s if w else None), ms(w.max_s if w else None),
        str(w.non_2xx if w else "-"), "-" if r.rows is None else f"{r.rows:,}", "OK" if r.rows_ok else "WRONG",
        r.rss_verdict, r.latency_verdict,
    ]  # fmt: skip


def print_table(results: Sequence[CaseResult], found: MessageSet) -> None:
    size_mib = found.size_bytes / MIB
    print(
        f"\nOne listadoConsumos of {size_mib:.1f} MiB, {found.items:,} consumptions; load average now "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs"
    )
    header = " ".join(f"{name:{align}}" for name, align in COLUMNS)
    print(header)
    print("-" * len(header))
    for r in results:
        print(" ".join(f"{cell:{align}}" for cell, (_, align) in zip(row(r, size_mib), COLUMNS, strict=True)))
    for r in results:
        if not r.ok:
            why = r.error or ("counts" if not r.rows_ok else "small writes failed or waited > 10 s")
            print(f"FAILED {r.database}/{r.surface}: {why[:300]}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=float, default=200.0, help="consumption file size in MB (10^6 bytes)")
    parser.add_argument("--customers", type=int, default=1_000, help="customers of the configuration message")
    parser.add_argument("--bad-fraction", type=float, default=0.0, help="extra bad items, e.g. 0.03")
    parser.add_argument("--seed", type=int, default=messages.DEFAULT_SEED)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "facturo-import-size")
    parser.add_argument("--surfaces", nargs="+", choices=SURFACES, default=list(SURFACES))
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--pg-admin-url", default=generate.DEFAULT_PG_ADMIN_URL)
    args = parser.parse_args(argv)
    if args.size_mb <= 0 or args.customers < 1 or args.bad_fraction < 0:
        parser.error("--size-mb must be > 0, --customers >= 1, --bad-fraction >= 0")
    return args


def interrupted(signum: int, _frame: object) -> None:
    """SIGTERM unwinds like Ctrl-C, so servers, CLI runs and throwaway databases are cleaned up."""
    raise KeyboardInterrupt(signal.Signals(signum).name)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, interrupted)
    found = prepare_messages(args)
    results: list[CaseResult] = []
    with tempfile.TemporaryDirectory(prefix="facturo-import-size-") as tmp_name:
        for kind in databases(args):
            results.extend(run_one(kind, surface, found, Path(tmp_name), args) for surface in args.surfaces)
    print_table(results, found)
    return 0 if results and all(r.ok for r in results) else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted: servers and CLI runs stopped, temporary databases removed", file=sys.stderr)
        sys.exit(130)
