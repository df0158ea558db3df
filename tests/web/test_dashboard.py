"""The staff dashboard: every figure equals what the invoices created here add up to (billed this
month and year net of credit notes, outstanding, overdue, due soon, revenue by month, top customers,
revenue by category including a usage-billing invoice), in Spanish and in English, with the SVG
charts and their tables. The clock is frozen on Friday 14 June 2024 (Guatemala)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from facturo.customers.models import Customer
from facturo.invoicing import payments as payments
from facturo.invoicing import service as invoicing
from facturo.invoicing.models import Invoice
from facturo.invoicing.payment_schemas import Method, PaymentIn, SplitIn
from facturo.invoicing.schemas import CreditItemIn, CreditNoteIn, DraftIn, LineIn, SeriesIn
from facturo.kit import clock
from facturo.kit.access import Role
from facturo.organisation import service as organisation
from facturo.reports import dashboard as figures
from facturo.usage.billing import run_billing
from tests.conftest import RollbackDatabase
from tests.factories import ACTOR, make_category, make_customer, make_draft, make_product
from tests.usage.helpers import import_text
from tests.web.conftest import Browser, make_user

TODAY = date(2024, 6, 14)

USAGE_CATALOG = """<archivoConfiguraciones>
  <listaRecursos>
    <recurso id="CPU"><nombre>CPU</nombre><abreviatura>CPU</abreviatura><metrica>vCPU</metrica>
      <tipo>Hardware</tipo><valorXhora>10.00</valorXhora></recurso>
  </listaRecursos>
  <listaCategorias><categoria id="C1"><nombre>Nube general</nombre><descripcion>d</descripcion>
    <cargaTrabajo>Media</cargaTrabajo><listaConfiguraciones>
      <configuracion id="K1"><nombre>Pequeña</nombre><descripcion>d</descripcion>
        <recursosConfiguracion><recurso id="CPU">2</recurso></recursosConfiguracion></configuracion>
    </listaConfiguraciones></categoria></listaCategorias>
  <listaClientes><cliente nit="576937-K"><nombre>Nube Chapina</nombre><usuario></usuario><clave></clave>
    <direccion>Zona 1</direccion><correoElectronico>c@example.com</correoElectronico><listaInstancias>
      <instancia id="VM1"><idConfiguracion>K1</idConfiguracion><nombre>vm</nombre>
        <fechaInicio>01/01/2024</fechaInicio><estado>Vigente</estado><fechaFinal></fechaFinal></instancia>
    </listaInstancias></cliente></listaClientes>
</archivoConfiguraciones>"""
USAGE = """<listadoConsumos>
  <consumo nitCliente="576937-K" idInstancia="VM1"><tiempo>3</tiempo><fechaHora>15/03/2024 10:00</fechaHora></consumo>
</listadoConsumos>"""


def line(price: str, quantity: str = "1", product_id: int | None = None) -> LineIn:
    if product_id is not None:
        return LineIn(product_id=product_id, quantity=Decimal(quantity))
    return LineIn(description="Servicio", quantity=Decimal(quantity), unit_price=Decimal(price))


def issue(session: Session, customer: Customer, lines: list[LineIn], on: date) -> Invoice:
    draft = make_draft(session, customer, lines)
    return invoicing.issue_invoice(session, ACTOR, draft.id, issue_date=on)


def backdated(session: Session, customer: Customer, lines: list[LineIn], on: date) -> Invoice:
    """An old invoice entered late: series A cannot go back in time, so it opens a series of its own."""
    own = organisation.own_issuer(session)
    series = invoicing.create_series(session, ACTOR, own.id, SeriesIn(code="ATRAS", document_type="invoice"))
    draft = invoicing.create_draft(session, ACTOR, DraftIn(customer_id=customer.id, series_id=series.id, lines=lines))
    return invoicing.issue_invoice(session, ACTOR, draft.id, issue_date=on)


@dataclass
class Book:
    ids: dict[str, int]  # document key (table below) -> invoice id
    numbers: dict[str, str]  # document key -> printed number


def build_book(session: Session) -> Book:
    """Invoices over a year and a half, one of each kind that counts (or must not count).

    | doc   | customer        | issued     | amount   | category          | due        |
    | inv1  | Almacén         | 2024-06-03 | 2000.00  | Equipo            | 2024-07-03 (paid 500) |
    | inv2  | Botica (5 days) | 2024-06-10 | 300.00   | other (free text) | 2024-06-15 due soon |
    | inv3  | Comercial       | 2024-02-15 | 1500.00  | Servicios         | 2024-03-16 overdue, 500 credited |
    | inv4  | Almacén         | 2024-01-02 | 100.00   | other (no category) | 2024-02-01 overdue |
    | inv5  | Distribuidora   | 2023-08-20 | 1000.00  | Equipo (last year)  | overdue |
    | inv6  | Empresa         | 2023-05-31 | 50.00    | outside 12 months   | overdue |
    | inv7  | Ferretería (0 d)| 2024-06-14 | 250.00   | other               | 2024-06-14 due soon |
    | inv8  | Empresa         | 2024-04-10 | 20.00    | other               | 2024-05-10 overdue |
    | usage | Nube Chapina    | 2024-03-31 | 60.00    | Nube general (usage)| 2024-04-30 overdue |
    | void  | Ferretería      | 2024-06-05 | 999.00   | voided: never counts |
    | draft | Ferretería      | -          | 777.00   | draft: never counts  |
    | NC    | Comercial       | 2024-06-14 | -500.00  | Servicios (credits inv3 line 1) |
    """
    equipo = make_category(session, "Equipo")
    servicios = make_category(session, "Servicios")
    laptop = make_product(session, "1000.00", name="Laptop", category_id=equipo)
    consultoria = make_product(session, "500.00", name="Consultoría", category_id=servicios)
    loose = make_product(session, "100.00", name="Sin categoría")
    people = {
        "A": make_customer(session, name="Almacén El Sol"),
        "B": make_customer(session, name="Botica Central", payment_terms_days=5),
        "C": make_customer(session, name="Comercial Norte"),
        "D": make_customer(session, name="Distribuidora Sur"),
        "E": make_customer(session, name="Empresa Este"),
        "F": make_customer(session, name="Ferretería Oeste", payment_terms_days=0),
    }
    docs = {
        "inv6": issue(session, people["E"], [line("50.00")], date(2023, 5, 31)),
        "inv5": issue(session, people["D"], [line("", product_id=laptop.id)], date(2023, 8, 20)),
        "inv4": issue(session, people["A"], [line("", product_id=loose.id)], date(2024, 1, 2)),
        "inv3": issue(session, people["C"], [line("", "3", product_id=consultoria.id)], date(2024, 2, 15)),
    }
    # A billing run dates its invoices the day it runs (docs/invoices.md): run March on 31 March, so the
    # series stays chronological with the invoices issued around it.
    import_text(session, USAGE_CATALOG)
    import_text(session, USAGE)
    with clock.frozen(datetime(2024, 3, 31, 18, 0, tzinfo=ZoneInfo("America/Guatemala"))):
        [billed] = run_billing(session, ACTOR, date(2024, 3, 1), date(2024, 3, 31), dry_run=False).invoices
    assert billed.invoice_id is not None
    docs["usage"] = invoicing.get_document(session, billed.invoice_id)
    docs |= {
        "inv8": issue(session, people["E"], [line("20.00")], date(2024, 4, 10)),
        "inv1": issue(session, people["A"], [line("", "2", product_id=laptop.id)], date(2024, 6, 3)),
        "void": issue(session, people["F"], [line("999.00")], date(2024, 6, 5)),
        "inv2": issue(session, people["B"], [line("300.00")], date(2024, 6, 10)),
        "inv7": issue(session, people["F"], [line("250.00")], TODAY),
    }
    make_draft(session, people["F"], [line("777.00")])
    invoicing.void_invoice(session, ACTOR, docs["void"].id, "Emitida por error")
    payments.register_payment(
        session, ACTOR, docs["inv1"].id, PaymentIn(splits=[SplitIn(method=Method.CASH, amount=Decimal("500.00"))])
    )
    docs["NC"] = invoicing.create_credit_note(
        session,
        ACTOR,
        docs["inv3"].id,
        CreditNoteIn(reason="Devolución de una hora", items=[CreditItemIn(line_number=1, quantity=Decimal(1))]),
    )
    return Book({k: d.id for k, d in docs.items()}, {k: d.full_number or "" for k, d in docs.items()})


@pytest.fixture
def book(frozen_clock: None, db: RollbackDatabase, admin: Browser) -> Book:
    with db.unit_of_work() as session:
        return build_book(session)


def test_the_book_is_what_the_table_says(book: Book, db: RollbackDatabase) -> None:
    with db.unit_of_work(write=False) as session:
        docs = {key: invoicing.get_document(session, id_) for key, id_ in book.ids.items()}
        assert docs["usage"].total == Decimal("60.00") and docs["usage"].issue_date == date(2024, 3, 31)
        assert docs["NC"].total == Decimal("500.00") and docs["NC"].issue_date == TODAY
        assert docs["inv1"].balance == Decimal("1500.00") and docs["inv3"].balance == Decimal("1000.00")
        assert docs["inv2"].due_date == date(2024, 6, 15) and docs["inv7"].due_date == TODAY
        assert docs["usage"].due_date is not None and docs["usage"].due_date < TODAY
        assert docs["void"].status == "void"


def test_the_service_figures_add_up(book: Book, db: RollbackDatabase) -> None:
    with db.unit_of_work(write=False) as session:
        data = figures.dashboard(session)
        listed = [d.id for d in data.due_soon_listed]
    assert data.today == TODAY
    # June: 2000 + 300 + 250 - 500 (credit note); the year adds 1500 + 100 + 20 + 60 (usage).
    assert data.month == figures.Billed(Decimal("2050.00"), 3, 1)
    assert data.year == figures.Billed(Decimal("3730.00"), 7, 1)
    # Open: 1500 + 300 + 1000 + 100 + 1000 + 50 + 250 + 20 + 60.
    assert data.outstanding == figures.Owed(Decimal("4280.00"), 9)
    assert data.overdue == figures.Owed(Decimal("2230.00"), 6)  # inv3, inv4, inv5, inv6, inv8, usage
    assert data.due_soon == figures.Owed(Decimal("550.00"), 2)
    assert listed == [book.ids["inv7"], book.ids["inv2"]]
    assert [(m.month, m.amount) for m in data.by_month if m.amount] == [
        (date(2023, 8, 1), Decimal("1000.00")),
        (date(2024, 1, 1), Decimal("100.00")),
        (date(2024, 2, 1), Decimal("1500.00")),
        (date(2024, 3, 1), Decimal("60.00")),
        (date(2024, 4, 1), Decimal("20.00")),
        (date(2024, 6, 1), Decimal("2050.00")),
    ]
    assert [m.month for m in data.by_month] == [figures.month_start(TODAY, back) for back in range(11, -1, -1)]
    assert [(c.name, c.amount) for c in data.top_customers] == [
        ("Almacén El Sol", Decimal("2100.00")),
        ("Comercial Norte", Decimal("1000.00")),
        ("Botica Central", Decimal("300.00")),
        ("Ferretería Oeste", Decimal("250.00")),
        ("Nube Chapina", Decimal("60.00")),
    ]
    assert [(c.name, c.amount) for c in data.by_category] == [
        ("Equipo", Decimal("2000.00")),
        ("Servicios", Decimal("1000.00")),
        ("Nube general", Decimal("60.00")),
        (None, Decimal("670.00")),
    ]
    assert sum(c.amount for c in data.by_category) == data.year.amount
    assert all(isinstance(v, Decimal) for v in (data.month.amount, data.outstanding.amount, data.overdue.amount))


def test_on_new_years_day_only_the_new_year_counts(book: Book, db: RollbackDatabase) -> None:
    with db.unit_of_work(write=False) as session:
        data = figures.dashboard(session, today=date(2025, 1, 1))
    assert data.month == figures.Billed(Decimal("0.00"), 0, 0)
    assert data.year == figures.Billed(Decimal("0.00"), 0, 0)
    assert data.by_month[0].month == date(2024, 2, 1) and data.by_month[-1].month == date(2025, 1, 1)
    assert sum(m.amount for m in data.by_month) == Decimal("3630.00")  # Feb–Jun 2024
    assert data.top_customers == [] and data.by_category == []


def _cells(page: str, table_id: str) -> list[tuple[str, str]]:
    """(row header, last cell) pairs of the data table inside the section ``table_id``."""
    section = page.split(f'id="{table_id}"', 1)[1].split("</section>", 1)[0]
    rows = re.findall(r'<tr><th scope="row">(.*?)</th>\s*<td class="num">(.*?)</td></tr>', section, re.S)
    return [(re.sub(r"<[^>]+>", "", h).strip(), v.strip()) for h, v in rows]


def _stat(page: str, stat_id: str) -> str:
    found = re.search(rf'id="{stat_id}".*?<div class="value[^"]*">(.*?)</div>', page, re.S)
    assert found is not None, stat_id
    return found.group(1).strip()


def test_the_page_in_spanish(book: Book, admin: Browser) -> None:
    response = admin.get("/dashboard")
    assert response.status_code == 200, response.text[:500]
    page = response.text
    assert 'lang="es"' in page and "<h1>Panel</h1>" in page and 'aria-current="page">Panel' in page
    assert "Cifras al 14/06/2024" in page
    assert _stat(page, "billed-month") == "Q2,050.00"
    assert _stat(page, "billed-year") == "Q3,730.00"
    assert _stat(page, "outstanding") == "Q4,280.00"
    assert _stat(page, "overdue") == "Q2,230.00"
    assert "Facturas: 3 · notas de crédito: 1" in page and "Facturas pendientes vencidas: 6" in page
    assert "Vence en los próximos 7 días" in page and "Facturas pendientes: 2; por cobrar: Q550.00." in page
    due = page.split('id="due-soon"', 1)[1].split("</section>", 1)[0]
    assert due.index(book.numbers["inv7"]) < due.index(book.numbers["inv2"])
    assert "15/06/2024" in due and "Q300.00" in due and "Q250.00" in due
    # Three SVG charts, each titled, each with its table.
    assert page.count('<svg class="chart" role="img"') == 3
    assert "<title>Ingresos por mes, últimos 12 meses</title>" in page
    assert "<title>Los 5 clientes con mayor facturación del año</title>" in page
    assert "<title>Ingresos por categoría del año</title>" in page
    assert "<title>jun 24: Q2,050.00</title>" in page and ">ago 23</text>" in page
    months = _cells(page, "revenue-by-month")
    assert months[0] == ("julio 2023", "Q0.00") and months[1] == ("agosto 2023", "Q1,000.00")
    assert months[-1] == ("junio 2024", "Q2,050.00") and len(months) == 12
    assert _cells(page, "top-customers") == [
        ("Almacén El Sol", "Q2,100.00"),
        ("Comercial Norte", "Q1,000.00"),
        ("Botica Central", "Q300.00"),
        ("Ferretería Oeste", "Q250.00"),
        ("Nube Chapina", "Q60.00"),
    ]
    assert _cells(page, "revenue-by-category") == [
        ("Equipo", "Q2,000.00"),
        ("Servicios", "Q1,000.00"),
        ("Nube general", "Q60.00"),
        ("Otros", "Q670.00"),
        ("Total", "Q3,730.00"),
    ]


def test_the_page_in_english(book: Book, admin: Browser) -> None:
    admin.post("/language", {"language": "en", "next": "/dashboard"})
    page = admin.get("/dashboard").text
    assert 'lang="en"' in page and "<h1>Dashboard</h1>" in page
    assert "Figures as of 2024-06-14" in page
    assert _stat(page, "billed-month") == "Q2,050.00" and _stat(page, "overdue") == "Q2,230.00"
    assert "Invoices: 7 · credit notes: 1" in page and "Open invoices: 2; to collect: Q550.00." in page
    assert "<title>Revenue by month, last 12 months</title>" in page
    assert "<title>Top 5 customers by amount billed this year</title>" in page
    assert "<title>Revenue by category this year</title>" in page
    assert "<title>Jun 24: Q2,050.00</title>" in page
    assert _cells(page, "revenue-by-month")[1] == ("August 2023", "Q1,000.00")
    assert [name for name, _ in _cells(page, "top-customers")][:2] == ["Almacén El Sol", "Comercial Norte"]
    assert _cells(page, "revenue-by-category")[3] == ("Other", "Q670.00")
    assert "2024-06-15" in page  # inv2's due date, in the English format


def test_an_empty_organisation_gets_zeros_not_errors(frozen_clock: None, admin: Browser) -> None:
    page = admin.get("/dashboard")
    assert page.status_code == 200
    assert _stat(page.text, "billed-month") == "Q0.00" and _stat(page.text, "outstanding") == "Q0.00"
    assert page.text.count("Aún no se ha facturado nada este año.") == 2
    assert page.text.count('<svg class="chart"') == 1  # the months, all at zero


def test_portal_users_are_sent_to_their_portal(browser: Browser, db: RollbackDatabase, organisation: None) -> None:
    with db.unit_of_work() as session:
        customer = make_customer(session, name="Cliente del portal")
    make_user(db, "cliente@web.test", Role.CUSTOMER, customer.id)
    browser.login("cliente@web.test")
    response = browser.get("/dashboard")
    assert response.status_code == 303 and response.headers["location"] == "/portal"


def test_roles_that_read_invoices_see_it(browser: Browser, db: RollbackDatabase, organisation: None) -> None:
    make_user(db, "auditor@web.test", Role.AUDITOR)
    browser.login("auditor@web.test")
    assert browser.get("/dashboard").status_code == 200


def _snapshot(data: figures.Dashboard) -> tuple[object, ...]:
    return (data.month, data.year, data.by_month, data.top_customers, data.by_category, data.outstanding)


@pytest.mark.parametrize(("slot_ids", "few_slots"), [(1000, 50), (2, 50), (2, 0)])
def test_the_year_memo_follows_every_change(
    book: Book, db: RollbackDatabase, monkeypatch: pytest.MonkeyPatch, slot_ids: int, few_slots: int
) -> None:
    """A memo reused across changes (new invoices today and back-dated, a void, a credit note)
    always gives what a fresh reading gives, whether slots hold one document or many, and whether
    changed slots are read one by one or by whole days."""
    monkeypatch.setattr(figures, "SLOT_IDS", slot_ids)
    monkeypatch.setattr(figures, "_FEW_SLOTS", few_slots)
    memo = figures.YearMemo()
    with db.unit_of_work(write=False) as session:
        first = figures.dashboard(session, memo=memo)
        assert _snapshot(first) == _snapshot(figures.dashboard(session))
    changes: list[Callable[[Session], object]] = [
        lambda s: issue(s, make_customer(s, name="Zapatería Nueva"), [line("5000.00")], TODAY),
        lambda s: backdated(s, make_customer(s, name="Librería Vieja"), [line("40.00")], date(2024, 2, 2)),
        lambda s: invoicing.void_invoice(s, ACTOR, book.ids["inv2"], "Anulada por prueba"),
        lambda s: invoicing.create_credit_note(
            s,
            ACTOR,
            book.ids["inv1"],
            CreditNoteIn(reason="Devolución de una laptop", items=[CreditItemIn(line_number=1, quantity=Decimal(1))]),
        ),
    ]
    for change in changes:
        with db.unit_of_work() as session:
            change(session)
        with db.unit_of_work(write=False) as session:
            kept, fresh = figures.dashboard(session, memo=memo), figures.dashboard(session)
            assert _snapshot(kept) == _snapshot(fresh)
    # After all four: +5000 today, +40 in February, -300 (inv2 void), -1000 (one laptop returned).
    assert kept.year.amount == Decimal("7470.00")
    assert kept.top_customers[0].name == "Zapatería Nueva" and kept.top_customers[0].amount == Decimal("5000.00")
    assert [c.name for c in kept.top_customers].count("Botica Central") == 0  # its only invoice is void
    assert [(c.name, c.amount) for c in kept.by_category] == [
        ("Equipo", Decimal("1000.00")),
        ("Servicios", Decimal("1000.00")),
        ("Nube general", Decimal("60.00")),
        (None, Decimal("5410.00")),  # 670 + 5000 + 40 - 300
    ]


def test_the_page_shows_changes_at_once(book: Book, admin: Browser, db: RollbackDatabase) -> None:
    assert _stat(admin.get("/dashboard").text, "billed-year") == "Q3,730.00"
    with db.unit_of_work() as session:
        issue(session, make_customer(session, name="Cliente de hoy"), [line("70.00")], TODAY)
        invoicing.void_invoice(session, ACTOR, book.ids["inv7"], "Anulada por prueba")
    page = admin.get("/dashboard").text
    assert _stat(page, "billed-year") == "Q3,550.00"  # + 70 - 250
    assert ("Ferretería Oeste", "Q250.00") not in _cells(page, "top-customers")
    assert ("Otros", "Q490.00") in _cells(page, "revenue-by-category")  # 670 + 70 - 250


def test_the_memo_can_be_warmed_at_start_and_a_failure_is_harmless(app: object, db: RollbackDatabase) -> None:
    from fastapi import FastAPI

    from facturo.reports.pages.dashboard import warm_dashboard
    from tests.factories import make_issuer

    assert isinstance(app, FastAPI)
    warm_dashboard(app)  # no organisation yet: logged, nothing raised
    with db.unit_of_work() as session:
        make_issuer(session)
        customer = make_customer(session, name="Cliente del arranque")
        invoicing.issue_invoice(session, ACTOR, make_draft(session, customer).id)
        customer_id = customer.id
    warm_dashboard(app)
    # The year's breakdown is already read: the first view will not pay for it.
    assert app.state.dashboard_year_memo._customers == {customer_id: Decimal("112.00")}
