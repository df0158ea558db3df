"""Billing runs: the expected totals of our fixture pairs (tests/data/ipc2), exactly-once billing, dry
runs, rate changes split across lines, and a failed run leaving nothing behind."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from decimal import Decimal
from threading import Barrier
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from facturo.invoicing import service as invoicing
from facturo.invoicing.models import Invoice, InvoiceLine
from facturo.kit import clock
from facturo.kit.db import Database
from facturo.organisation.models import Issuer
from facturo.usage import billing
from facturo.usage.billing import run_billing
from facturo.usage.importing import import_message
from facturo.usage.models import BilledPeriod, BillingRun, Consumption, LineSnapshot
from facturo.usage.queries import not_billed
from tests.factories import ACTOR, make_issuer
from tests.usage.helpers import AULA, NUBE, import_data, import_text

YEAR_2023 = (date(2023, 1, 1), date(2023, 12, 31))
GRADING_RANGE = (date(2000, 1, 1), date(2029, 12, 31))


# Our nube pair, by hand (cost = hours × Σ(quantity × valorXhora), each line rounded once, half up):
# 1204587-K: N-101 (8.5 + 11.25) h × 27.75 = 548.0625                                  -> 548.06
# 3181726-5: N-201 10.5 h × 126.7125 = 1330.48125 -> 1330.48; N-202 5.75 h × 49.6 = 285.20 -> 1615.68
# 8830514-1: N-301 17.5 h × 253.30625 = 4432.859375 -> 4432.86; N-302 15.5 h × 284.5 = 4409.75 -> 8842.61
NUBE_TOTALS = {"1204587-K": "548.06", "3181726-5": "1615.68", "8830514-1": "8842.61"}


def _nube(session: Session) -> None:
    for name in NUBE:
        import_data(session, name)


def _open_consumptions(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Consumption).where(not_billed())) or 0


def _totals(session: Session) -> dict[str, str]:
    rows = session.execute(select(Invoice.customer_nit, Invoice.total).where(Invoice.status != "draft"))
    return {nit: str(total) for nit, total in rows}


def test_nube_pair_billed_for_2023(session: Session, issuer: Issuer) -> None:
    _nube(session)
    with clock.frozen(datetime(2024, 1, 15, 9, 30, tzinfo=ZoneInfo("America/Guatemala"))):
        result = run_billing(session, ACTOR, *YEAR_2023, dry_run=False)

    assert [(inv.customer_nit, str(inv.total)) for inv in result.invoices] == list(NUBE_TOTALS.items())
    assert [inv.full_number for inv in result.invoices] == ["A-00000001", "A-00000002", "A-00000003"]
    assert _totals(session) == NUBE_TOTALS
    invoice = session.get(Invoice, result.invoices[2].invoice_id)
    assert invoice is not None
    # Dated the day the run is made, not the last day of the range it bills.
    assert (invoice.issue_date, invoice.status) == (date(2024, 1, 15), "issued")
    # Prices include IVA: the total is the sum of consumption costs, split into base and 12% tax per line:
    # 4432.86 / 1.12 = 3957.91 (+ 474.95) and 4409.75 / 1.12 = 3937.28 (+ 472.47).
    assert (str(invoice.subtotal), str(invoice.tax_total)) == ("7895.19", "947.42")
    assert [(str(ln.quantity), str(ln.unit_price), str(ln.total_amount)) for ln in invoice.lines] == [
        ("17.500000", "253.306250", "4432.86"),  # N-301: 10 h + 7.5 h at BD-2's 253.30625/h
        ("15.500000", "284.500000", "4409.75"),  # N-302: 9 h + 6.5 h at GPU-1's 284.5/h
    ]
    snapshot = session.get(LineSnapshot, invoice.lines[0].id)
    assert snapshot is not None
    assert (snapshot.instance_code, snapshot.configuration_code, snapshot.category_code) == ("N-301", "BD-2", "DATOS")
    assert {r["code"]: (r["quantity"], r["price_per_hour"]) for r in snapshot.resources} == {
        "R1": ("16.00", "2.5000"),
        "R2": ("8.00", "12.7500"),
        "R3": ("250.25", "0.1250"),
        "R5": ("2.00", "40.0125"),
    }
    run = session.get(BillingRun, result.run_id)
    assert run is not None
    # 548.06 + 1615.68 + 8842.61
    assert (run.invoice_count, run.consumption_count, str(run.total)) == (3, 10, "11006.35")
    assert _open_consumptions(session) == 0
    closed = session.execute(select(BilledPeriod.date_from, BilledPeriod.date_to, BilledPeriod.billing_run_id)).all()
    assert sorted(closed) == [(date(2023, 1, 1), date(2023, 12, 31), run.id)] * 5  # the 5 instances billed
    assert [(r.series_code, r.documents, r.ok) for r in invoicing.verify_all(session, issuer.id)] == [
        ("A", 3, True),
        ("NC", 0, True),
    ]


def test_aula_pair_bills_only_the_accepted_readings(session: Session, issuer: Issuer) -> None:
    import_data(session, AULA[0])
    report = import_data(session, AULA[1])
    # The other seven consumptions never reach billing; each was refused with its reason.
    assert [p.note.rule for p in report.rejections] == [
        "consumption.after_end",
        "consumption.after_end",
        "consumption.before_start",
        "consumption.after_end",
        "consumption.future",
        "consumption.before_start",
        "consumption.after_end",
    ]
    result = run_billing(session, ACTOR, *GRADING_RANGE, dry_run=False)
    assert [(inv.customer_nit, str(inv.total), inv.consumption_count) for inv in result.invoices] == [
        ("2750381-K", "1636.96", 3),  # 994.96 + 642.00
        ("6645021-9", "81.25", 1),  # 5 h × 16.25/h
    ]
    lines = [(ln.instance_code, str(ln.hours), str(ln.hour_rate), str(ln.total)) for ln in result.invoices[0].lines]
    assert lines == [
        ("IN-01", "4.1500", "239.750000", "994.96"),  # 2.4 h + 1.75 h at CF-03's 239.75/h = 994.9625
        ("IN-02", "6.0000", "107.000000", "642.00"),  # 17/04/2007 at CF-01's 107/h
    ]


def test_rerunning_and_reimporting_change_nothing(session: Session, issuer: Issuer) -> None:
    _nube(session)
    first = run_billing(session, ACTOR, *YEAR_2023, dry_run=False)
    assert len(first.invoices) == 3
    import_data(session, NUBE[1])
    again = run_billing(session, ACTOR, *YEAR_2023, dry_run=False)
    overlapping = run_billing(session, ACTOR, date(2022, 6, 1), date(2023, 3, 31), dry_run=False)
    assert (again.invoices, again.run_id, overlapping.invoices) == ([], None, [])
    assert session.scalar(select(func.count()).select_from(Invoice)) == 3
    assert session.scalar(select(func.count()).select_from(BillingRun)) == 1


def test_dry_run_shows_exactly_what_the_run_creates_and_writes_nothing(session: Session, issuer: Issuer) -> None:
    _nube(session)
    preview = run_billing(session, ACTOR, *YEAR_2023, dry_run=True)
    assert session.scalar(select(func.count()).select_from(Invoice)) == 0
    assert _open_consumptions(session) == 10
    assert session.scalar(select(func.count()).select_from(BilledPeriod)) == 0
    real = run_billing(session, ACTOR, *YEAR_2023, dry_run=False)

    def shape(result: billing.BillingResult) -> list[object]:
        return [
            (
                inv.full_number,
                inv.customer_nit,
                inv.total,
                [(ln.description(), ln.hours, ln.hour_rate, ln.total, ln.consumption_count) for ln in inv.lines],
            )
            for inv in result.invoices
        ]

    assert shape(preview) == shape(real)
    assert (preview.total, preview.issue_date) == (real.total, real.issue_date)


CATALOG = """<archivoConfiguraciones>
  <listaRecursos>
    <recurso id="CPU"><nombre>CPU</nombre><abreviatura>CPU</abreviatura><metrica>vCPU</metrica>
      <tipo>Hardware</tipo><valorXhora>{price}</valorXhora></recurso>
  </listaRecursos>
  <listaCategorias><categoria id="C1"><nombre>General</nombre><descripcion>d</descripcion>
    <cargaTrabajo>Media</cargaTrabajo><listaConfiguraciones>
      <configuracion id="K1"><nombre>Pequeña</nombre><descripcion>d</descripcion>
        <recursosConfiguracion><recurso id="CPU">2</recurso></recursosConfiguracion></configuracion>
    </listaConfiguraciones></categoria></listaCategorias>
  <listaClientes><cliente nit="576937-K"><nombre>Cliente</nombre><usuario></usuario><clave></clave>
    <direccion>Zona 1</direccion><correoElectronico>c@example.com</correoElectronico><listaInstancias>
      <instancia id="VM1"><idConfiguracion>K1</idConfiguracion><nombre>vm</nombre>
        <fechaInicio>01/01/2024</fechaInicio><estado>Vigente</estado><fechaFinal></fechaFinal></instancia>
    </listaInstancias></cliente></listaClientes>
</archivoConfiguraciones>"""
USAGE = """<listadoConsumos>
  <consumo nitCliente="576937-K" idInstancia="VM1"><tiempo>{hours}</tiempo><fechaHora>{at}</fechaHora></consumo>
</listadoConsumos>"""


def test_a_price_change_between_two_consumptions_splits_the_line(session: Session, issuer: Issuer) -> None:
    loaded_at = datetime(2024, 1, 1, 6, 0, tzinfo=UTC)  # 1 January 2024, 00:00 in Guatemala
    changed_at = datetime(2024, 3, 1, 6, 0, tzinfo=UTC)
    import_message(session, ACTOR, CATALOG.format(price="10.00"), effective_from=loaded_at)
    report = import_message(session, ACTOR, CATALOG.format(price="12.50"), effective_from=changed_at)
    assert report.counts["resource"]["updated"] == 1
    import_text(session, USAGE.format(hours="3", at="15/02/2024 10:00"))  # before the change: 2 × 10.00
    import_text(session, USAGE.format(hours="2", at="10/03/2024 09:30"))  # after: 2 × 12.50
    import_text(session, USAGE.format(hours="1.5", at="20/03/2024 18:00"))

    result = run_billing(session, ACTOR, date(2024, 1, 1), date(2024, 12, 31), dry_run=False)
    [invoice] = result.invoices
    assert [(str(ln.hours), str(ln.hour_rate), str(ln.total), ln.consumption_count) for ln in invoice.lines] == [
        ("3.0000", "20.000000", "60.00", 1),
        ("3.5000", "25.000000", "87.50", 2),
    ]
    assert str(invoice.total) == "147.50"
    stored = session.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.invoice_id)).all()
    assert [str(ln.unit_price) for ln in sorted(stored, key=lambda ln: ln.line_number)] == ["20.000000", "25.000000"]


def test_billed_days_are_closed_in_the_database(session: Session, issuer: Issuer) -> None:
    _nube(session)
    run_billing(session, ACTOR, *YEAR_2023, dry_run=False)
    late = import_text(
        session,
        '<listadoConsumos><consumo nitCliente="8830514-1" idInstancia="N-301"><tiempo>1</tiempo>'
        "<fechaHora>30/06/2023 10:00</fechaHora></consumo></listadoConsumos>",
    )
    assert [p.note.rule for p in late.rejections] == ["consumption.period_billed"]
    assert "01/01/2023–31/12/2023" in late.rejections[0].note.es
    instance_id, customer_id = session.execute(select(Consumption.instance_id, Consumption.customer_id)).first()
    # The database itself refuses what the importer would: a reading inside a billed period...
    with pytest.raises(DBAPIError, match="billed period"), session.begin_nested():
        session.execute(
            insert(Consumption).values(
                customer_id=customer_id,
                instance_id=instance_id,
                consumed_at=datetime(2023, 5, 5, 16, tzinfo=UTC),
                consumed_on=date(2023, 5, 5),
                hours=Decimal(1),
                recorded_at=datetime(2024, 1, 1, tzinfo=UTC),
            )
        )
    # ...a second period over the same days, and rewriting a consumption.
    run_id, invoice_id = session.execute(select(BilledPeriod.billing_run_id, BilledPeriod.invoice_id)).first()
    with pytest.raises(DBAPIError, match="overlap"), session.begin_nested():
        session.execute(
            insert(BilledPeriod).values(
                instance_id=instance_id,
                date_from=date(2023, 12, 1),
                date_to=date(2024, 1, 31),
                billing_run_id=run_id,
                invoice_id=invoice_id,
            )
        )
    with pytest.raises(DBAPIError, match="never rewritten"), session.begin_nested():
        session.execute(update(Consumption).values(hours=Decimal(2)))


def test_a_run_over_a_partly_billed_range_bills_only_the_open_days(session: Session, issuer: Issuer) -> None:
    _nube(session)
    first = run_billing(session, ACTOR, date(2023, 1, 1), date(2023, 3, 31), dry_run=False)
    assert [str(inv.total) for inv in first.invoices] == ["548.06", "8842.61"]  # Jan to March only
    second = run_billing(session, ACTOR, *YEAR_2023, dry_run=False)
    assert [(inv.customer_nit, str(inv.total)) for inv in second.invoices] == [("3181726-5", "1615.68")]
    periods = session.execute(
        select(BilledPeriod.date_from, BilledPeriod.date_to).where(BilledPeriod.billing_run_id == second.run_id)
    ).all()
    assert sorted(periods) == [(date(2023, 1, 1), date(2023, 12, 31))] * 2  # N-201 and N-202 were never billed
    assert _open_consumptions(session) == 0


def _prepared(database: Database) -> None:
    with database.unit_of_work() as session:
        make_issuer(session)
        _nube(session)


def test_a_run_that_fails_midway_leaves_nothing(fresh_database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    _prepared(fresh_database)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full while closing the periods")

    monkeypatch.setattr(billing, "close_periods", broken)
    with pytest.raises(RuntimeError), fresh_database.unit_of_work() as session:
        run_billing(session, ACTOR, *YEAR_2023, dry_run=False)
    with fresh_database.unit_of_work(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Invoice)) == 0
        assert session.scalar(select(func.count()).select_from(BillingRun)) == 0
        assert session.scalar(select(func.count()).select_from(LineSnapshot)) == 0
        assert session.scalar(select(func.count()).select_from(BilledPeriod)) == 0
        assert _open_consumptions(session) == 10
        assert session.scalar(text("SELECT next_number FROM series WHERE code = 'A'")) == 1
    monkeypatch.undo()
    with fresh_database.unit_of_work() as session:
        assert len(run_billing(session, ACTOR, *YEAR_2023, dry_run=False).invoices) == 3


def test_two_concurrent_runs_bill_each_consumption_once(fresh_database: Database) -> None:
    _prepared(fresh_database)
    start = Barrier(2)

    def bill() -> int:
        start.wait()
        with fresh_database.unit_of_work() as session:
            return len(run_billing(session, ACTOR, *YEAR_2023, dry_run=False).invoices)

    with ThreadPoolExecutor(max_workers=2) as pool:
        counts = sorted(pool.map(lambda _: bill(), range(2)))

    assert counts == [0, 3]
    with fresh_database.unit_of_work(write=False) as session:
        assert _totals(session) == NUBE_TOTALS
        assert session.scalar(select(func.count()).select_from(BillingRun)) == 1
        assert session.scalar(select(func.count()).select_from(BilledPeriod)) == 5
        assert _open_consumptions(session) == 0


def test_reversed_range_is_refused_with_a_reason(session: Session, issuer: Issuer) -> None:
    from facturo.kit.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        run_billing(session, ACTOR, date(2024, 2, 1), date(2024, 1, 1), dry_run=True)
    assert "01/02/2024" in refused.value.message.es


def test_hours_are_summed_exactly(session: Session, issuer: Issuer) -> None:
    import_text(session, CATALOG.format(price="0.0001"))
    for day in range(1, 4):
        import_text(session, USAGE.format(hours="0.3333", at=f"0{day}/04/2024 10:00"))
    [invoice] = run_billing(session, ACTOR, date(2024, 4, 1), date(2024, 4, 30), dry_run=True).invoices
    assert invoice.lines[0].hours == Decimal("0.9999")
    assert invoice.total == Decimal("0.00")  # 0.9999 h × 0.0002/h rounds to 0.00, never to a float artefact
