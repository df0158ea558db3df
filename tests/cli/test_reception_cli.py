"""``facturo reception`` as an operator drives it: validate, submit, look, download, verify, work."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from tests.cli.test_cli import as_json, cli_env, flat
from tests.reception.documents import as_bytes, invoice


def _files(folder: Path) -> tuple[Path, Path, Path]:
    good = folder / "buena.json"
    good.write_bytes(as_bytes(invoice(101)))
    bad = folder / "mala.json"
    bad.write_bytes(as_bytes(invoice(102, total="5.00")))
    bundle = folder / "lote.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("z1.json", as_bytes(invoice(103)))
        archive.writestr("../fuera.json", as_bytes(invoice(104)))
    return good, bad, bundle


def test_validate_stores_nothing_and_names_each_rule(tmp_path: Path) -> None:
    good, bad, bundle = _files(tmp_path)
    with cli_env(tmp_path / "data") as run:
        result = run("reception", "validate", str(good), str(bad), str(bundle), "--json")
        assert result.exit_code == 1, result.output  # one is not valid
        verdicts = json.loads(result.stdout)
        assert [(Path(v["file"]).name, v["format"], v["valid"]) for v in verdicts[:3]] == [
            ("buena.json", "json", True),
            ("mala.json", "json", False),
            ("z1.json", "json", True),
        ]
        assert (verdicts[3]["file"], verdicts[3]["valid"]) == ("../fuera.json", False)
        assert "peligroso" in verdicts[3]["refused"]
        assert [(f["rule"], f["severity"], f["location"]) for f in verdicts[1]["findings"]] == [
            ("JSON-TOTAL", "error", "/total")
        ]
        assert "67.20" in verdicts[1]["findings"][0]["message"]

        table = run("reception", "validate", str(bad))
        assert table.exit_code == 1 and "JSON-TOTAL" in flat(table.output)
        # The finding's location is printed as text, never as leftover console markup.
        assert "/total" in flat(table.output) and "[dim]" not in table.output and "[/]" not in table.output
        listed = as_json(run("reception", "list", "--json"))
        assert listed["total"] == 0


def test_submit_wait_list_show_original_verify(tmp_path: Path) -> None:
    good, bad, bundle = _files(tmp_path)
    with cli_env(tmp_path / "data") as run:
        receipt = as_json(run("reception", "submit", str(good), str(bad), str(bundle), "--json"))
        assert [(d["file"].rsplit("/", 1)[-1], d["status"]) for d in receipt["documents"]] == [
            ("buena.json", "accepted"),
            ("mala.json", "rejected"),
            ("z1.json", "accepted"),
        ]
        assert [r["name"] for r in receipt["refused"]] == ["../fuera.json"]
        assert all(len(d["sha256"]) == 64 and d["id"] for d in receipt["documents"])

        again = as_json(run("reception", "submit", str(good), "--json"))
        assert again["documents"][0]["duplicate"] is True and again["new_count"] == 0

        rejected = as_json(run("reception", "list", "--status", "rejected", "--json"))
        assert rejected["total"] == 1 and rejected["items"][0]["number"] == "102"
        by_issuer = as_json(run("reception", "list", "--issuer", "4567123-0", "--json"))
        assert by_issuer["total"] == 3

        bad_id = receipt["documents"][1]["id"]
        shown = run("reception", "show", str(bad_id))
        assert shown.exit_code == 0 and "JSON-TOTAL" in flat(shown.output) and "rechazado" in shown.output

        target = tmp_path / "copia.json"
        copied = run("reception", "original", str(receipt["documents"][0]["id"]), "-o", str(target))
        assert copied.exit_code == 0 and target.read_bytes() == good.read_bytes()

        verified = run("reception", "verify-archive")
        assert verified.exit_code == 0 and "3 originales revisados, 0 con problemas" in flat(verified.output)
        stored = next((tmp_path / "data" / "archive").glob("??/??/*"))
        stored.write_bytes(b"altered")
        broken = run("reception", "verify-archive")
        assert broken.exit_code == 1 and "alterado" in broken.output


def test_no_wait_leaves_the_work_to_a_worker(tmp_path: Path) -> None:
    good, _, _ = _files(tmp_path)
    with cli_env(tmp_path / "data") as run:
        receipt = as_json(run("reception", "submit", str(good), "--no-wait", "--json"))
        assert receipt["documents"][0]["status"] == "received"
        worked = run("reception", "work", "--once")
        assert worked.exit_code == 0 and "1 documentos: 1 aceptados, 0 rechazados" in flat(worked.output)
        shown = as_json(run("reception", "show", str(receipt["documents"][0]["id"]), "--json"))
        assert shown["status"] == "accepted" and shown["findings"] == []


def test_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with cli_env(tmp_path / "data") as run:
        result = run("reception", "validate", str(tmp_path / "nada.xml"))
        assert result.exit_code == 2 and "No existe el archivo" in flat(result.output)
