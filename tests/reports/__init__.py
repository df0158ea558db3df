"""Shared helpers for the report tests: billed real samples, a small message where allocation
matters, and readers for what the CSV and PDF exports contain."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal

from fastapi import FastAPI
from pypdf import PdfReader
from sqlalchemy.orm import Session

from facturo.kit.money import ZERO
from facturo.reports.api import router
from facturo.usage.billing import BillingResult, run_billing
from tests.access.routes import endpoints
from tests.factories import ACTOR, valid_nit
from tests.usage.helpers import import_sample, import_text

COMPLEJO = ("2s2025_arreagaaa_complejo_configuraciones.xml", "2s2025_arreagaaa_complejo_consumos.xml")
YEAR_2023 = (date(2023, 1, 1), date(2023, 12, 31))
# What the README of the samples computes by hand for the complejo pair.
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


def bill_complejo(session: Session) -> BillingResult:
    """Import the complejo pair and bill 2023: three invoices, one per customer."""
    for name in COMPLEJO:
        import_sample(session, name)
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
