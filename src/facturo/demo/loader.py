"""Loads a small, realistic Guatemalan business: valid NITs, a catalog with stock, and invoices in
every state (draft, issued, due soon, overdue, partially paid, paid, credited, void)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.gt import nit as gt_nit

from facturo.auth import service as auth
from facturo.catalog import service as catalog
from facturo.catalog.schemas import CategoryIn, ProductIn
from facturo.customers import service as customers
from facturo.customers.schemas import CustomerIn
from facturo.demo.usage import load_usage_demo
from facturo.invoicing import payments as payments
from facturo.invoicing import service as invoicing
from facturo.invoicing.payment_schemas import Method, PaymentIn, SplitIn
from facturo.invoicing.schemas import CreditItemIn, CreditNoteIn, DraftIn, LineIn
from facturo.kit.access import Role
from facturo.kit.actor import Actor
from facturo.organisation import service as organisation
from facturo.organisation.models import Issuer
from facturo.organisation.schemas import IssuerIn


def _slug(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name.split()[0]).encode("ascii", "ignore").decode()
    return plain.lower().strip(",.") or "cliente"


def nit_for(body: str) -> str:
    return f"{body}-{gt_nit.calc_check_digit(body)}"


CUSTOMERS = [
    ("4719856", "Ferretería El Martillo, S.A.", "Calzada Roosevelt 12-30, Zona 11, Guatemala", 30),
    ("2580147", "Distribuidora La Ceiba", "4a Calle 5-67, Zona 1, Quetzaltenango", 30),
    ("6902315", "Constructora Volcán de Agua, S.A.", "Km 45 Carretera a Antigua, Sacatepéquez", 60),
    ("3318702", "Café Los Altos", "2a Avenida 3-14, Zona 3, Quetzaltenango", 15),
    ("5527493", "Hotel Casa Santo Domingo", "3a Calle Oriente 28, Antigua Guatemala", 30),
    ("1843069", "Colegio San Marcos", "Avenida Las Américas 9-45, Zona 13, Guatemala", 30),
    ("7765021", "Agropecuaria El Quetzal", "Barrio El Centro, Cobán, Alta Verapaz", 45),
    ("9034178", "Clínica Dental Sonrisas", "Diagonal 6 12-42, Zona 10, Guatemala", 30),
]

PRODUCTS = [
    # code, name, category, kind, unit, price, stock
    ("CEM-42", "Cemento gris 42.5 kg", "Materiales", "good", "saco", "89.50", "500"),
    ("VAR-38", 'Varilla de hierro 3/8" x 6 m', "Materiales", "good", "unidad", "42.75", "1200"),
    ("PIN-GL", "Pintura látex blanca, galón", "Acabados", "good", "galón", "165.00", "80"),
    ("TUB-PVC", 'Tubo PVC 1/2" x 6 m', "Fontanería", "good", "unidad", "28.90", "300"),
    ("LLAV-01", 'Llave de paso de bronce 1/2"', "Fontanería", "good", "unidad", "74.00", "60"),
    ("SRV-INST", "Instalación eléctrica por punto", "Servicios", "service", "punto", "150.00", None),
    ("SRV-HORA", "Hora de asesoría técnica", "Servicios", "service", "hora", "350.00", None),
    ("TRANS-01", "Flete dentro del perímetro urbano", "Servicios", "service", "viaje", "250.00", None),
]


# Demo sign-ins, printed by `facturo demo`. Demo installs only: change or deactivate them before real use.
DEMO_USERS = (
    ("admin@chapinas.example", "Ana Administradora", "demo-admin-2026", Role.ADMIN),
    ("contabilidad@chapinas.example", "Carlos Contador", "demo-conta-2026", Role.ACCOUNTANT),
    ("auditoria@chapinas.example", "Alicia Auditora", "demo-audit-2026", Role.AUDITOR),
    ("portal@martillo.example", "Portal Ferretería El Martillo", "demo-portal-2026", Role.CUSTOMER),
)


@dataclass(frozen=True)
class DemoSummary:
    customers: int
    products: int
    documents: int
    consumptions: int
    sign_ins: tuple[tuple[str, str, str], ...]  # email, password, role


def already_loaded(session: Session) -> bool:
    return session.scalar(select(Issuer.id).where(Issuer.is_own.is_(True))) is not None


@dataclass(frozen=True)
class DemoOutcome:
    loaded: DemoSummary | None  # None: the database already had an organisation
    sign_ins: tuple[tuple[str, str, str], ...]  # the demo sign-ins that work now


def ensure_demo(session: Session, actor: Actor, today: date) -> DemoOutcome:
    """Load the demo into an empty database; either way, say which demo sign-ins work."""
    summary = load_demo(session, actor, today)
    return DemoOutcome(summary, summary.sign_ins if summary is not None else demo_sign_ins(session))


def demo_sign_ins(session: Session) -> tuple[tuple[str, str, str], ...]:
    """The demo sign-ins that still work (email, password, role): a demo user who was deactivated
    or given another password is left out, so what is printed always lets one in."""
    return tuple(
        (email, password, role.value)
        for email, _, password, role in DEMO_USERS
        if auth.has_password(session, email, password)
    )


def load_demo(session: Session, actor: Actor, today: date) -> DemoSummary | None:
    """Load the demo business; does nothing (returns None) if an organisation already exists."""
    if already_loaded(session):
        return None
    issuer = organisation.save_profile(
        session,
        actor,
        IssuerIn(
            name="Tecnologías Chapinas, S.A.",
            trade_name="Chapinas Ferretería y Servicios",
            nit=nit_for("1234567"),
            address="6a Avenida 10-20, Zona 10, Ciudad de Guatemala",
            email="facturacion@chapinas.example",
            phone="+502 2345 6789",
        ),
    )
    invoicing.ensure_default_series(session, actor, issuer.id)
    categories = {
        name: catalog.create_category(session, actor, CategoryIn(name=name)).id
        for name in sorted({p[2] for p in PRODUCTS})
    }
    products = {
        code: catalog.create_product(
            session,
            actor,
            ProductIn(
                code=code,
                name=name,
                category_id=categories[cat],
                kind=kind,
                unit=unit,
                unit_price=Decimal(price),
                stock=Decimal(stock) if stock else None,
            ),
        ).id
        for code, name, cat, kind, unit, price, stock in PRODUCTS
    }
    clients = [
        customers.create_customer(
            session,
            actor,
            CustomerIn(
                nit=nit_for(body),
                name=name,
                address=address,
                payment_terms_days=terms,
                email=f"pagos@{_slug(name)}.example",
            ),
        ).id
        for body, name, address, terms in CUSTOMERS
    ]
    walk_in = customers.create_customer(session, actor, CustomerIn(nit="CF", name="Consumidor Final")).id

    def line(code: str, qty: str, discount: str = "0") -> LineIn:
        return LineIn(product_id=products[code], quantity=Decimal(qty), discount=Decimal(discount))

    def draft(customer_id: int, lines: list[LineIn], notes: str = "") -> int:
        return invoicing.create_draft(session, actor, DraftIn(customer_id=customer_id, lines=lines, notes=notes)).id

    def issued(customer_id: int, lines: list[LineIn], days_ago: int) -> int:
        invoice_id = draft(customer_id, lines)
        invoicing.issue_invoice(session, actor, invoice_id, today - timedelta(days=days_ago))
        return invoice_id

    def pay(invoice_id: int, days_ago: int, *splits: tuple[Method, str]) -> None:
        payments.register_payment(
            session,
            actor,
            invoice_id,
            PaymentIn(
                received_on=today - timedelta(days=days_ago),
                splits=[SplitIn(method=m, amount=Decimal(a)) for m, a in splits],
            ),
        )

    # Issued in date order so numbers and dates rise together.
    overdue = issued(clients[2], [line("CEM-42", "120"), line("VAR-38", "200", "150.00")], 75)
    pay(overdue, 40, (Method.BANK_TRANSFER, "5000.00"))  # partially paid and overdue
    issued(clients[6], [line("SRV-HORA", "6"), line("TRANS-01", "2")], 50)  # overdue, unpaid
    paid = issued(clients[0], [line("PIN-GL", "4"), line("LLAV-01", "3")], 30)
    pay(paid, 25, (Method.CASH, "500.00"), (Method.CREDIT_CARD, "382.00"))
    void = issued(clients[3], [line("TUB-PVC", "10")], 28)
    invoicing.void_invoice(session, actor, void, "Datos del cliente mal capturados")
    credited = issued(clients[4], [line("SRV-INST", "4")], 26)
    invoicing.create_credit_note(session, actor, credited, CreditNoteIn(reason="Servicio no prestado", full=True))
    due_soon = issued(clients[5], [line("SRV-INST", "8"), line("PIN-GL", "6", "90.00")], 25)
    pay(due_soon, 10, (Method.CHEQUE, "600.00"), (Method.DEBIT_CARD, "150.00"))
    partly_credited = issued(clients[1], [line("CEM-42", "40"), line("TUB-PVC", "25")], 12)
    invoicing.create_credit_note(
        session,
        actor,
        partly_credited,
        CreditNoteIn(reason="Devolución de 5 sacos dañados", items=[CreditItemIn(line_number=1, quantity=Decimal(5))]),
    )
    issued(clients[7], [line("SRV-HORA", "2")], 3)
    paid_walk_in = issued(walk_in, [line("LLAV-01", "1"), line("TUB-PVC", "2")], 1)
    pay(paid_walk_in, 0, (Method.PAYPAL, "131.80"))
    issued(clients[0], [line("VAR-38", "50")], 0)
    draft(clients[1], [line("CEM-42", "60"), line("TRANS-01", "1")], notes="Cotización aprobada por teléfono")
    draft(
        clients[7],
        [
            LineIn(
                description="Mantenimiento preventivo de equipo",
                quantity=Decimal(1),
                unit_price=Decimal("1200.00"),
            )
        ],
    )
    for email, name, password, role in DEMO_USERS:
        # The portal user belongs to the first demo customer, Ferretería El Martillo.
        portal_customer = clients[0] if role == Role.CUSTOMER else None
        auth.create_user(session, actor, email, name, password, role, portal_customer)
    described = [customers.get_customer(session, customer_id) for customer_id in clients]
    consumptions = load_usage_demo(session, actor, today, [(c.nit, c.name, c.address, c.email) for c in described])
    session.flush()
    return DemoSummary(
        customers=len(clients) + 1,
        products=len(products),
        documents=14,
        consumptions=consumptions,
        sign_ins=tuple((email, password, role.value) for email, _, password, role in DEMO_USERS),
    )
