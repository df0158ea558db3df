"""Shared helpers for the report tests: our billed fixture pair (tests/data/ipc2/nube_*), the real
complejo sample of the outside corpus, a small message where allocation matters, and readers for
what the CSV and PDF exports contain."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from pypdf import PdfReader
from sqlalchemy.orm import Session

from facturo.kit import clock
from facturo.kit.money import ZERO
from facturo.reports.api import router
from facturo.usage.billing import BillingResult, run_billing
from tests.access.routes import endpoints
from tests.factories import ACTOR, valid_nit
from tests.usage.helpers import NUBE, import_data, import_sample, import_text

YEAR_2023 = (date(2023, 1, 1), date(2023, 12, 31))
# 2023 is billed on its last afternoon: a run dates its invoices the day it is made, so they are all
# dated 31/12/2023 and fall inside the 2023 sales analysis.
BILLED_ON = datetime(2023, 12, 31, 15, 0, tzinfo=ZoneInfo("America/Guatemala"))
# Our billing pair, by hand: cost = hours × Σ(quantity × valorXhora); a line is rounded once (half up).
NUBE_TOTALS = {
    # N-101 (WEB-S: 2×2.5 + 1×12.75 + 20×0.125 + 1×7.5 = 27.75/h): (8.5 + 11.25) h × 27.75 = 548.0625
    "1204587-K": Decimal("548.06"),
    # N-201 (BD-1: 8×2.5 + 4×12.75 + 100×0.125 + 1×40.0125 + 1×3.2 = 126.7125/h): 10.5 h → 1330.48125 → 1330.48
    # N-202 (WEB-M: 4×2.5 + 2×12.75 + 40×0.125 + 1×7.5 + 0.5×3.2 = 49.6/h): 5.75 h → 285.20
    "3181726-5": Decimal("1615.68"),
    # N-301 (BD-2: 16×2.5 + 8×12.75 + 250.25×0.125 + 2×40.0125 = 253.30625/h): 17.5 h → 4432.859375 → 4432.86
    # N-302 (GPU-1: 32×2.5 + 8×12.75 + 1×95 + 1×7.5 = 284.5/h): 15.5 h → 4409.75
    "8830514-1": Decimal("8842.61"),
}
NUBE_SALES = Decimal("11006.35")  # 548.06 + 1615.68 + 8842.61

# The real complejo pair of the outside corpus, with the totals its README computes by hand; tests that
# bill it are skipped without ../shared/samples (and fail under CI=true).
COMPLEJO = ("2s2025_arreagaaa_complejo_configuraciones.xml", "2s2025_arreagaaa_complejo_consumos.xml")
COMPLEJO_TOTALS = {
    "2019160-K": Decimal("22781.25"),
    "2020001-9": Decimal("17100.00"),
    "2021055-3": Decimal("113387.50"),
}
COMPLEJO_SALES = Decimal("153268.75")


def mount_reports(app: FastAPI) -> FastAPI:
    """The test app with the reports router (until the app assembly mounts it itself)."""
    if not any(e.path.startswith("/api/v1/reports/") for e in endpoints(app)):
        app.include_router(router)
    return app


def bill_nube(session: Session) -> BillingResult:
    """Import our nube pair and bill 2023: three invoices, one per customer (A-00000001..3 by NIT)."""
    for name in NUBE:
        import_data(session, name)
    with clock.frozen(BILLED_ON):
        result = run_billing(session, ACTOR, *YEAR_2023, dry_run=False)
    assert {inv.customer_nit: inv.total for inv in result.invoices} == NUBE_TOTALS
    return result


def bill_complejo(session: Session) -> BillingResult:
    """Import the real complejo pair (outside corpus) and bill 2023: three invoices, one per customer."""
    for name in COMPLEJO:
        import_sample(session, name)
    with clock.frozen(BILLED_ON):
        result = run_billing(session, ACTOR, *YEAR_2023, dry_run=False)
    assert {inv.customer_nit: inv.total for inv in result.invoices} == COMPLEJO_TOTALS
    return result


def invoice_of(result: BillingResult, nit: str) -> int:
    found = next(inv.invoice_id for inv in result.invoices if inv.customer_nit == nit)
    assert found is not None
    return found


def thirds_configuration(nit: str) -> str:
    """Three resources at Q11.1111/h each: one configuration at Q33.3333/h."""
    resources = "".join(
        f"""<recurso id="T{n}"><nombre>Recurso tercio {n}</nombre><abreviatura>T{n}</abreviatura>
        <metrica>Unidad</metrica><tipo>Hardware</tipo><valorXhora>11.1111</valorXhora></recurso>"""
        for n in (1, 2, 3)
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<archivoConfiguraciones>
  <listaRecursos>{resources}</listaRecursos>
  <listaCategorias>
    <categoria id="CT"><nombre>Tercios</nombre><descripcion>Pruebas de reparto</descripcion>
      <cargaTrabajo>Baja</cargaTrabajo>
      <listaConfiguraciones>
        <configuracion id="KT"><nombre>Tres tercios</nombre><descripcion>Tres recursos iguales</descripcion>
          <recursosConfiguracion>
            <recurso id="T1">1</recurso><recurso id="T2">1</recurso><recurso id="T3">1</recurso>
          </recursosConfiguracion>
        </configuracion>
      </listaConfiguraciones>
    </categoria>
  </listaCategorias>
  <listaClientes>
    <cliente nit="{nit}"><nombre>Tercios, S.A.</nombre><usuario>tercios</usuario><clave>clave-de-tercios</clave>
      <direccion>Zona 4</direccion><correoElectronico>tercios@example.com</correoElectronico>
      <listaInstancias>
        <instancia id="IT"><idConfiguracion>KT</idConfiguracion><nombre>Instancia de tercios</nombre>
          <fechaInicio>01/01/2024</fechaInicio><estado>Vigente</estado><fechaFinal></fechaFinal></instancia>
      </listaInstancias>
    </cliente>
  </listaClientes>
</archivoConfiguraciones>"""


def thirds_consumptions(nit: str) -> str:
    readings = "".join(
        f'<consumo nitCliente="{nit}" idInstancia="IT"><tiempo>1</tiempo><fechaHora>{day:02d}/01/2024 08:30</fechaHora>'
        "</consumo>"
        for day in (10, 11, 12)
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><listadoConsumos>{readings}</listadoConsumos>'


def bill_thirds(session: Session) -> int:
    """Three 1-hour consumptions at Q33.3333/h: a line of 99.9999 → Q100.00. Returns the invoice id."""
    nit = valid_nit()
    import_text(session, thirds_configuration(nit))
    import_text(session, thirds_consumptions(nit))
    result = run_billing(session, ACTOR, date(2024, 1, 1), date(2024, 1, 31), dry_run=False)
    (invoice,) = result.invoices
    assert invoice.total == Decimal("100.00")
    assert invoice.invoice_id is not None
    return invoice.invoice_id


def total(values: list[Decimal]) -> Decimal:
    return sum(values, ZERO)


# --- reading exports -----------------------------------------------------------------------------


def csv_rows(content: bytes) -> list[dict[str, str]]:
    assert content.startswith("\ufeff".encode()), "Excel needs the BOM"
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


MONEY = re.compile(r"-?Q[\d,]+\.\d{2}")
