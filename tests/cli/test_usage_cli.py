"""``facturo usage`` as a user drives it: import our nube pair (tests/data/ipc2), preview and run billing,
see the data."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_cli import cli_env, flat
from tests.usage.helpers import NUBE, data_file

CONFIG = str(data_file(NUBE[0]))
USAGE = str(data_file(NUBE[1]))


def _organisation() -> None:
    from facturo.surface.console.context import unit_of_work
    from tests.factories import make_issuer

    with unit_of_work() as session:
        make_issuer(session)


def test_import_bill_and_look(tmp_path: Path) -> None:
    with cli_env(tmp_path) as run:
        _organisation()
        # Consumptions given first: the configuration message is still applied first.
        imported = run("usage", "import", USAGE, CONFIG, "--json")
        assert imported.exit_code == 0, imported.output
        reports = json.loads(imported.output)
        assert [(r["kind"], r["file"].endswith(".xml")) for r in reports] == [
            ("configuration", True),
            ("consumption", True),
        ]
        assert reports[1]["counts"]["consumption"]["created"] == 10

        table = run("usage", "import", USAGE)
        assert table.exit_code == 0, table.output
        assert "Duplicados (ignorados)" in table.output and "un mensaje anterior" in flat(table.output)

        preview = run("usage", "bill", "--from", "2023-01-01", "--to", "2023-12-31", "--dry-run")
        assert preview.exit_code == 0, preview.output
        assert "Vista previa" in preview.output and "Q8,842.61" in preview.output

        billed = run("usage", "bill", "--from", "2023-01-01", "--to", "2023-12-31", "--json")
        assert billed.exit_code == 0, billed.output
        result = json.loads(billed.output)
        assert [(i["number"], i["customer_nit"], i["total"]) for i in result["invoices"]] == [
            ("A-00000001", "1204587-K", "548.06"),
            ("A-00000002", "3181726-5", "1615.68"),
            ("A-00000003", "8830514-1", "8842.61"),
        ]
        again = run("usage", "bill", "--from", "2023-01-01", "--to", "2023-12-31")
        assert again.exit_code == 0 and "No hay consumos pendientes" in again.output

        data = run("usage", "data", "--json")
        assert data.exit_code == 0
        assert [c["nit"] for c in json.loads(data.output)["customers"]] == ["1204587-K", "3181726-5", "8830514-1"]

        bad = run("usage", "bill", "--from", "2023-12-31", "--to", "2023-01-01")
        assert bad.exit_code != 0 and "posterior" in flat(bad.output)
        missing = run("usage", "import", str(tmp_path / "nope.xml"))
        assert missing.exit_code == 2 and "No existe el archivo" in flat(missing.output)
        broken = tmp_path / "broken.xml"
        broken.write_text("<listadoConsumos><consumo>")
        partly = run("usage", "import", str(broken), USAGE, "--json")
        assert partly.exit_code == 1
        outcome = json.loads(partly.output)
        assert "XML mal formado" in outcome[0]["error"] and len(outcome[1]["duplicates"]) == 10
        refused = run("usage", "reset", "--yes")
        assert refused.exit_code != 0 and "FACTURO_ALLOW_RESET=1" in flat(refused.output)
