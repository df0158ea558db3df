"""``facturo audit`` as an operator drives it, after ``facturo reception submit`` (whose worker
batches are audited by the hook the CLI installs)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

from tests.cli.test_cli import as_json, cli_env, flat
from tests.sequence_audit.sequences import TENANT_A, TENANT_B, json_invoice

RANGE = ["--from", "2020-01-01", "--to", "2030-12-31"]


def _upload(folder: Path) -> list[Path]:
    folder.mkdir()
    paths = []
    for issuer, number in [(TENANT_A, 1), (TENANT_A, 2), (TENANT_A, 5), (TENANT_A, 9), (TENANT_B, 7), (TENANT_B, 9)]:
        path = folder / f"{issuer}-{number}.json"
        path.write_bytes(json_invoice(number, issuer=issuer, day=date(2026, 2, 3)))
        paths.append(path)
    return paths


def test_gaps_top_monthly_sequences_after_a_submission(tmp_path: Path) -> None:
    files = _upload(tmp_path / "docs")
    with cli_env(tmp_path / "data") as run:
        receipt = as_json(run("reception", "submit", *map(str, files), "--json"))
        assert {d["status"] for d in receipt["documents"]} == {"accepted"}
        # The workers' batches were audited already: nothing left for sync.
        assert as_json(run("audit", "sync", "--json")) == {"runs": 0, "documents": 0}

        gaps = as_json(run("audit", "gaps", *RANGE, "--json"))
        assert gaps == [
            {
                "issuer_nit": TENANT_A,
                "series": "A",
                "first": 3,
                "last": 4,
                "count": 2,
                "status": "open",
                "suspected_restart": False,
            },
            {
                "issuer_nit": TENANT_A,
                "series": "A",
                "first": 6,
                "last": 8,
                "count": 3,
                "status": "open",
                "suspected_restart": False,
            },
            {
                "issuer_nit": TENANT_B,
                "series": "A",
                "first": 8,
                "last": 8,
                "count": 1,
                "status": "open",
                "suspected_restart": False,
            },
        ]
        only_b = as_json(run("audit", "gaps", *RANGE, "--issuer", TENANT_B, "--json"))
        assert [g["first"] for g in only_b] == [8]
        # Today's gaps are not yesterday's: the default day shows none of them.
        assert as_json(run("audit", "gaps", "--json")) == []

        table = run("audit", "gaps", *RANGE)
        assert table.exit_code == 0 and "abierto" in table.output and TENANT_A in flat(table.output)

        expanded = run("audit", "gaps", *RANGE, "--csv", "--expand")
        assert expanded.exit_code == 0, expanded.output
        numbers = list(csv.DictReader(io.StringIO(expanded.stdout_bytes.decode("utf-8-sig"))))
        assert [(r["issuer_nit"], r["number"]) for r in numbers] == [
            (TENANT_A, "3"),
            (TENANT_A, "4"),
            (TENANT_A, "6"),
            (TENANT_A, "7"),
            (TENANT_A, "8"),
            (TENANT_B, "8"),
        ]
        per_gap = run("audit", "gaps", *RANGE, "--csv")
        assert len(per_gap.stdout_bytes.decode("utf-8-sig").splitlines()) == 1 + 3

        assert as_json(run("audit", "top", "--json")) == [
            {"issuer_nit": TENANT_A, "missing": 5},
            {"issuer_nit": TENANT_B, "missing": 1},
        ]
        assert as_json(run("audit", "top", "--limit", "1", "--json")) == [{"issuer_nit": TENANT_A, "missing": 5}]
        monthly = as_json(run("audit", "monthly", "--since", "2026-02", "--json"))
        february = {m["issuer_nit"]: m for m in monthly if m["month"] == "2026-02"}
        assert (february[TENANT_A]["documents"], february[TENANT_B]["documents"]) == (4, 2)
        sequences = as_json(run("audit", "sequences", "--json"))
        assert [(s["issuer_nit"], s["auditable"], s["missing"]) for s in sequences] == [
            (TENANT_A, True, 5),
            (TENANT_B, True, 1),
        ]

        recomputed = as_json(run("audit", "recompute", "--json"))
        assert (recomputed["documents"], recomputed["sequences"]) == (6, 2)
        assert as_json(run("audit", "gaps", *RANGE, "--json")) == gaps


def test_wrong_flags_are_usage_errors(tmp_path: Path) -> None:
    with cli_env(tmp_path / "data") as run:
        both = run("audit", "gaps", "--json", "--csv")
        assert both.exit_code == 2 and "--json o --csv" in flat(both.output)
        assert run("audit", "gaps", "--expand").exit_code == 2
        assert run("audit", "gaps", "--day", "ayer").exit_code == 2
        assert run("audit", "monthly", "--since", "2026-1").exit_code == 2
        mixed = run("audit", "gaps", "--day", "2026-03-01", "--from", "2026-03-01", "--to", "2026-03-02")
        assert mixed.exit_code != 0 and "no ambos" in flat(mixed.output)
        empty = run("audit", "top", "--json")
        assert json.loads(empty.stdout) == []
