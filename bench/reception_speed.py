"""E-invoice reception end to end: documents submitted -> archived -> validated -> indexed, against
parsing the same bytes with lxml (and json) alone, on SQLite and PostgreSQL; and the native
EN 16931 validator against the official XSLT on saxonche.

The batch is ``tests/reception/mixed.py``: FEL DTEs, UBL invoices and facturo JSON, with broken
documents (wrong totals, truncated XML, binary junk), exact repeats and reused numbers, every one
with the verdict it must get, and the run checks those verdicts. Each database is brand new.

1. baseline: parse every document once (lxml for XML, json for JSON), best of three: documents/s;
2. end to end: ``--workers`` worker processes (``facturo reception work``) are started and ready,
   then one submission of the whole batch (archive + rows) is made and the clock runs until every
   document is decided; documents/s from the start of the submission to the last decision, and the
   ratio to the baseline;
3. EN 16931: the native UBL validation per document against the official XSLT
   (``--en16931-xslt``, default ../shared/reference/en16931/EN16931-UBL-validation.xslt) on saxonche.

    python bench/reception_speed.py                          # 10,000 documents, 2 workers
    python bench/reception_speed.py --documents 2000 --skip-pg
    python bench/reception_speed.py --documents 1000 --en16931-only
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from lxml import etree
from sqlalchemy import text

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.reception.mixed import Mixed, mixed_documents  # noqa: E402

import generate  # noqa: E402
from facturo.kit.actor import Actor  # noqa: E402
from facturo.kit.archive import Archive  # noqa: E402
from facturo.kit.db import Database, make_engine  # noqa: E402
from facturo.kit.migrate import upgrade  # noqa: E402
from facturo.reception import service as reception  # noqa: E402
from ubl_invoices import ubl_invoices  # noqa: E402

TARGET = 1_000.0  # documents/s end to end (issue 13)
T = TypeVar("T")
EN16931_TARGET = 5.0  # native validation at least 5x faster than the official XSLT
_CLI = "import sys; from facturo.cli.main import app; sys.argv[0] = 'facturo'; app()"


def _best(runs: int, work: Callable[[], None]) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def parse_only(documents: list[Mixed]) -> float:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)

    def parse() -> None:
        for document in documents:
            if document.data.lstrip()[:1] in (b"{", b"["):
                json.loads(document.data)
            else:
                with contextlib.suppress(etree.XMLSyntaxError):
                    etree.fromstring(document.data, parser)

    return len(documents) / _best(3, parse)


def end_to_end(url: str, documents: list[Mixed], workers: int) -> tuple[float, float, Counter[str]]:
    """(documents/s end to end, seconds of the submission alone, statuses)."""
    with tempfile.TemporaryDirectory(prefix="facturo-reception-bench-") as folder:
        return _end_to_end(url, documents, workers, Path(folder))


def _end_to_end(url: str, documents: list[Mixed], workers: int, data_dir: Path) -> tuple[float, float, Counter[str]]:
    database = Database(make_engine(url))
    upgrade(database.engine)
    archive = Archive(data_dir / "archive")
    files = [reception.IncomingFile(d.name, d.data) for d in documents]
    env = {
        **os.environ,
        "FACTURO_DATABASE_URL": url,
        "FACTURO_DATA_DIR": str(data_dir),
        "FACTURO_AUTO_MIGRATE": "false",
    }
    # The workers are running before the clock starts, as `facturo serve`'s threads or a deployed
    # `facturo reception work` are: their start-up is not part of a document's way through.
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _CLI, "reception", "work"],
            env={**env, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(workers)
    ]
    for process in processes:
        assert process.stdout is not None
        process.stdout.readline()  # "Trabajando con N hilo(s)...": the loop is about to start
    start = time.perf_counter()
    with database.unit_of_work() as session:
        receipt = reception.submit(session, archive, files, actor=Actor("system", "bench", "bench"), channel="api")
    submitted = time.perf_counter() - start
    waiting = text("SELECT count(*) FROM reception_documents WHERE status = 'received'")
    while True:
        with database.engine.connect() as connection:
            if not connection.execute(waiting).scalar_one():
                break
        time.sleep(0.01)
    elapsed = time.perf_counter() - start
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        if process.wait(timeout=60) != 0:
            raise SystemExit("a worker failed")
    with database.engine.connect() as connection:
        statuses = Counter(
            {
                str(s): int(n)
                for s, n in connection.execute(text("SELECT status, count(*) FROM reception_documents GROUP BY status"))
            }
        )
    _check(database, receipt, documents)
    database.dispose()
    return len(documents) / elapsed, submitted, statuses


def _check(database: Database, receipt: reception.Receipt, documents: list[Mixed]) -> None:
    ids = [item.id for item in receipt.documents]
    with database.unit_of_work(write=False) as session:
        statuses = reception.statuses(session, ids)
    wrong = []
    for item, document in zip(receipt.documents, documents, strict=True):
        want = document.expected
        if want == "duplicate":
            if not item.duplicate:
                wrong.append((document.name, "not reported as a duplicate"))
        elif statuses[item.id] != want:
            wrong.append((document.name, f"{statuses[item.id]} instead of {want}"))
    if wrong:
        raise SystemExit(f"{len(wrong)} wrong verdicts, first: {wrong[:5]}")


def en16931(documents: list[Mixed], xslt: Path) -> None:
    """Native against official, per document, on two sets: the batch's UBL invoices (one small
    invoice renumbered) and varied invoices (bench/ubl_invoices.py: 1-25 lines, one or two rates,
    random amounts), which do not flatter what the validator remembers from one document to the
    next. Both validators must find the varied invoices valid."""
    try:
        from saxonche import PySaxonProcessor
    except ImportError:
        print("EN 16931: saxonche is not installed (./dev setup installs it)")
        return
    if not xslt.is_file():
        print(f"EN 16931: {xslt} not found, official comparison skipped")
        return
    from facturo.kit.xml import parse_untrusted
    from facturo.reception.formats.ubl.reader import read_ubl

    processor = PySaxonProcessor(license=False)
    executable = processor.new_xslt30_processor().compile_stylesheet(stylesheet_text=xslt.read_text(encoding="utf-8"))

    def official_fatal(text: str) -> set[str]:
        report = etree.fromstring(executable.transform_to_string(xdm_node=processor.parse_xml(xml_text=text)).encode())
        return {f.get("id") or "" for f in report.iter(f"{SVRL}failed-assert") if f.get("flag") == "fatal"}

    def official_pass(texts: Sequence[str]) -> None:
        for document in texts:
            executable.transform_to_string(xdm_node=processor.parse_xml(xml_text=document))

    def native_pass(ubl: Sequence[bytes]) -> None:
        for document in ubl:
            read_ubl(parse_untrusted(document))

    # Three distinct sets, one per timed pass, so that no pass reads values a previous one read.
    passes = [ubl_invoices(300, seed=2026 + n) for n in range(3)]
    batch = [d.data for d in documents if d.kind == "ubl"][:300]
    sets = [
        ("batch invoices (one invoice renumbered)", [batch] * 3),
        ("varied invoices (bench/ubl_invoices.py)", passes),
    ]
    for label, per_pass in sets:
        if not per_pass[0]:
            continue
        count = len(per_pass[0])
        lines = sum(d.count(b"<cac:InvoiceLine>") for d in per_pass[0]) / count
        official_s = _best_of_passes([[d.decode("utf-8") for d in ubl] for ubl in per_pass], official_pass)
        native_s = _best_of_passes(per_pass, native_pass)
        ratio = official_s / native_s
        verdict = "met" if ratio >= EN16931_TARGET else "NOT met"
        print(
            f"EN 16931, {count} {label}, {lines:.1f} lines on average: official XSLT "
            f"{1000 * official_s / count:.2f} ms/document, native {1000 * native_s / count:.2f} ms/document: "
            f"native is {ratio:.1f}x faster (target >= {EN16931_TARGET:.0f}x: {verdict})"
        )
    # After the clock: the varied invoices must be valid for both validators.
    disagreements = [
        d
        for d in passes[0]
        if official_fatal(d.decode()) or any(f.rejects for f in read_ubl(parse_untrusted(d)).findings)
    ]
    if disagreements:
        raise SystemExit(f"{len(disagreements)} varied invoices are not valid for both validators")


def _best_of_passes(per_pass: Sequence[Sequence[T]], work: Callable[[Sequence[T]], None]) -> float:
    """The fastest of the passes, each over its own documents."""
    best = float("inf")
    for documents in per_pass:
        start = time.perf_counter()
        work(documents)
        best = min(best, time.perf_counter() - start)
    return best


SVRL = "{http://purl.oclc.org/dsdl/svrl}"


def _has_ubl_reader() -> bool:
    import importlib.util

    return importlib.util.find_spec("facturo.reception.formats.ubl.reader") is not None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--en16931-only", action="store_true", help="only the native/official validator comparison")
    parser.add_argument("--pg-admin-url", default=generate.DEFAULT_PG_ADMIN_URL)
    parser.add_argument(
        "--en16931-xslt",
        type=Path,
        default=REPO.parent / "shared" / "reference" / "en16931" / "EN16931-UBL-validation.xslt",
    )
    args = parser.parse_args()

    formats = ("json", "fel", "ubl") if _has_ubl_reader() else ("json", "fel")
    documents = mixed_documents(args.documents, formats=formats)
    kinds = Counter(d.kind for d in documents)
    print(f"{len(documents):,} documents: " + ", ".join(f"{k} {n:,}" for k, n in sorted(kinds.items())))
    if args.en16931_only:
        en16931(documents, args.en16931_xslt)
        return
    baseline = parse_only(documents)
    print(f"parse only (lxml / json), best of 3: {baseline:,.0f} documents/s")

    sqlite_folder = tempfile.TemporaryDirectory(prefix="facturo-reception-")
    targets = [("SQLite", f"sqlite:///{sqlite_folder.name}/bench.sqlite3", None)]
    if not args.skip_pg:
        reason = generate.pg_unreachable_reason(args.pg_admin_url)
        if reason:
            print(f"PostgreSQL skipped: {reason}")
        else:
            targets.append(("PostgreSQL", "", args.pg_admin_url))
    for name, url, admin in targets:
        if admin is None:
            rate, submitted, statuses = end_to_end(url, documents, args.workers)
        else:
            with generate.throwaway_pg_database(admin) as pg_url:
                rate, submitted, statuses = end_to_end(pg_url, documents, args.workers)
        print(
            f"{name}, end to end with {args.workers} worker processes: {rate:,.0f} documents/s "
            f"(submission alone {len(documents) / submitted:,.0f}/s), {rate / baseline:.3f} of parse-only; "
            f"target >= {TARGET:,.0f}/s: {'met' if rate >= TARGET else 'NOT met'}; "
            + ", ".join(f"{s} {n:,}" for s, n in sorted(statuses.items()))
        )
    sqlite_folder.cleanup()
    en16931(documents, args.en16931_xslt)


if __name__ == "__main__":
    main()
