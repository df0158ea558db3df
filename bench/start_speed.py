"""Cold start and idle memory of ``facturo serve``: time from process start to the first ``/health``
answer, and the resident memory of every process once idle, for each worker count.

Baseline, measured in the same run the same way: ``uvicorn`` serving a one-line ASGI app (the
price of the interpreter, uvicorn and a worker process on this machine right now). The ratio
facturo / baseline is steadier than seconds on a shared machine.

Also prints what ``import facturo.cli.main`` loads (the parent of ``facturo serve --workers N``
only migrates and supervises: it must not import the app), and the import time and memory of
the app module itself.

    python bench/start_speed.py                       # workers 1 and 2, 3 starts each, fresh SQLite
    python bench/start_speed.py --workers 2 --repeat 5
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

HOST = "127.0.0.1"  # loopback only
TARGET_START_S = 1.5
TARGET_IDLE_MB = 100.0
BIN = Path(sys.executable).parent

BASELINE_APP = """\
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def group_rss_mb(pgid: int) -> list[float]:
    """Resident memory (MB) of every process in the group, parent first."""
    found: list[tuple[int, float]] = []
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid:
                continue
            pid = int(status.parent.name)
            rss_kb = next(
                int(line.split()[1])
                for line in (status.parent / "status").read_text().splitlines()
                if line.startswith("VmRSS:")
            )
        except (OSError, IndexError, StopIteration, ValueError):
            continue
        found.append((pid, rss_kb / 1024))
    return [mb for _, mb in sorted(found)]


@dataclass
class Start:
    label: str
    workers: int
    seconds: float
    rss_mb: list[float]  # parent first, then each worker

    @property
    def largest_mb(self) -> float:
        return max(self.rss_mb) if self.rss_mb else float("nan")


def start_once(label: str, command: list[str], workers: int, env: dict[str, str], cwd: Path, idle: float) -> Start:
    port = free_port()
    command = [*command, "--port", str(port)]
    log = (cwd / f"{label}-{workers}w.log").open("wb")
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = started + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{label} exited ({process.returncode}); see {log.name}")
            try:
                if httpx.get(f"http://{HOST}:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.perf_counter() > deadline:
                raise RuntimeError(f"{label}: no /health answer in 120 s")
            time.sleep(0.01)
        seconds = time.perf_counter() - started
        time.sleep(idle)  # every worker up and idle (the others may still be starting at first answer)
        return Start(label, workers, seconds, group_rss_mb(process.pid))
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def import_probe(module: str) -> tuple[float, float, list[str]]:
    """Seconds and MB to import ``module`` in a fresh interpreter, and which heavy stacks it loaded."""
    probe = (
        "import time, resource, sys; t = time.perf_counter(); import " + module + "; "
        "print(time.perf_counter() - t); print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024); "
        "print(','.join(m for m in ('fastapi', 'sqlalchemy', 'alembic', 'jinja2', 'fpdf', 'PIL', 'lxml', "
        "'facturo.api.app', 'facturo.customers.cli', 'facturo.usage.cli') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split("\n")
    return float(out[0]), float(out[1]), [m for m in out[2].split(",") if m]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=3, help="starts per configuration (median reported)")
    parser.add_argument("--idle", type=float, default=3.0, help="seconds idle before reading memory")
    args = parser.parse_args(argv)

    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average at start: {load} on {os.cpu_count()} CPUs")
    for module in ("facturo.cli.main", "facturo.api.app"):
        seconds, mb, loaded = import_probe(module)
        print(
            f"import {module:<18} {seconds:5.2f} s  max RSS {mb:6.1f} MB  loads: {', '.join(loaded) or 'nothing heavy'}"
        )

    results: list[Start] = []
    with tempfile.TemporaryDirectory(prefix="facturo-start-") as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "baseline_app.py").write_text(BASELINE_APP)
        env = os.environ | {"FACTURO_DATA_DIR": str(tmp / "var"), "PYTHONPATH": str(tmp)}
        env.pop("FACTURO_DATABASE_URL", None)
        # Migrate once, untimed: a first start on an empty database also builds the schema.
        subprocess.run([str(BIN / "facturo"), "db", "upgrade"], env=env, cwd=tmp, check=True, capture_output=True)
        for workers in args.workers:
            commands = {
                "baseline": [sys.executable, "-m", "uvicorn", "baseline_app:app", "--host", HOST,
                             "--workers", str(workers), "--log-level", "warning"],
                "facturo": [str(BIN / "facturo"), "serve", "--host", HOST, "--workers", str(workers)],
            }  # fmt: skip
            for _ in range(args.repeat):
                for label, command in commands.items():  # interleaved: both see the same machine
                    results.append(start_once(label, command, workers, env, tmp, args.idle))

    print(f"\nload average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    header = (
        f"{'workers':>7} {'server':<9} {'first /health s (median, min-max)':<34} {'vs baseline':>11} "
        f"{'RSS MB per process: parent, workers':<38} target"
    )
    print(header)
    print("-" * len(header))
    for workers in args.workers:
        base = [r for r in results if r.workers == workers and r.label == "baseline"]
        base_s = statistics.median(r.seconds for r in base)
        for label in ("baseline", "facturo"):
            runs = [r for r in results if r.workers == workers and r.label == label]
            median = statistics.median(r.seconds for r in runs)
            spread = f"{median:5.2f} ({min(r.seconds for r in runs):.2f}-{max(r.seconds for r in runs):.2f})"
            last = runs[-1]
            rss = ", ".join(f"{mb:.0f}" for mb in last.rss_mb)
            verdict = "-"
            if label == "facturo":
                # The parent of several workers only supervises; each serving process must idle < 100 MB.
                serving = last.rss_mb[1:] if workers > 1 else last.rss_mb
                ok = median < TARGET_START_S and max(serving) < TARGET_IDLE_MB
                verdict = f"{'PASS' if ok else 'FAIL'} (< {TARGET_START_S} s, < {TARGET_IDLE_MB:.0f} MB idle)"
            print(f"{workers:>7} {label:<9} {spread:<34} {median / base_s:>11.2f} {rss:<38} {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
