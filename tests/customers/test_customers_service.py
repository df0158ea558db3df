"""Customers: NIT-validated, unique except CF, searchable, deactivated rather than deleted once
invoiced, and every change in the history."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from facturo.audit import service as audit
from facturo.customers import service as customers
from facturo.customers.models import Customer
from facturo.customers.schemas import CustomerIn, CustomerPatch
from facturo.kit.errors import Conflict, NotFound, ValidationFailed
from facturo.kit.pagination import PageParams
from tests.factories import ACTOR, make_customer, make_issued, make_issuer, valid_nit


def create(session: Session, nit: str, name: str = "Distribuidora La Ceiba", **extra: object) -> Customer:
    return customers.create_customer(session, ACTOR, CustomerIn(nit=nit, name=name, **extra))  # type: ignore[arg-type]


def names(session: Session, query: str | None = None, active: bool | None = None) -> list[str]:
    return [c.name for c in customers.search_customers(session, PageParams(1, 100), query, active).items]


def count_customers(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Customer)) or 0


# --- NIT ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"), [("576937-k", "576937-K"), (" 576937k ", "576937-K"), ("39525503", "3952550-3")]
)
def test_nit_is_normalised(session: Session, raw: str, stored: str) -> None:
    customer = create(session, raw)
    assert customer.nit == stored
    assert session.scalar(select(Customer.nit).where(Customer.id == customer.id)) == stored


def test_wrong_check_digit_is_refused_in_spanish(session: Session) -> None:
    with pytest.raises(ValidationFailed) as caught:
        create(session, "576937-0")
    problem = caught.value.problems[0]
    assert (problem.field, problem.rule) == ("nit", "nit.check_digit")
    assert "dígito verificador" in caught.value.message.es
    assert caught.value.message.es == (
        "El NIT 576937-0 no es válido: el dígito verificador no corresponde (para 576937 debería ser K)."
    )
    assert "check digit" in caught.value.message.en
    assert caught.value.http_status == 422
    assert count_customers(session) == 0


@pytest.mark.parametrize("raw", ["abc", "NIT-123", "----"])
def test_malformed_nit_is_refused(session: Session, raw: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        create(session, raw)
    assert caught.value.problems[0].rule == "nit.format"
    assert f"El NIT «{raw}» no tiene un formato válido" in caught.value.message.es
    assert "576937-K" in caught.value.message.es  # it shows an example of a valid NIT
    assert count_customers(session) == 0


@pytest.mark.parametrize("spelling", ["CF", "cf", "C/F", "C.F."])
def test_consumidor_final_is_allowed_many_times(session: Session, spelling: str) -> None:
    first = create(session, "CF", "Consumidor Final")
    second = create(session, spelling, "Juan Pérez")
    third = create(session, "CF", "María López")
    assert {first.nit, second.nit, third.nit} == {"CF"}
    assert len({first.id, second.id, third.id}) == 3


def test_duplicate_nit_is_refused_naming_the_existing_customer(session: Session) -> None:
    existing = create(session, "576937-K", "Ferretería El Martillo, S.A.")
    with pytest.raises(Conflict) as caught:
        create(session, "576937k", "Otro nombre")  # the same NIT written differently
    assert caught.value.message.es == (
        f"Ya existe un cliente con NIT 576937-K: Ferretería El Martillo, S.A. (id {existing.id})."
    )
    assert count_customers(session) == 1


def test_changing_to_a_taken_nit_is_refused(session: Session) -> None:
    create(session, "576937-K", "Primero")
    other = create(session, valid_nit(), "Segundo")
    original = other.nit
    with pytest.raises(Conflict, match="Primero"):
        customers.update_customer(session, ACTOR, other.id, CustomerPatch(nit="576937-k"))
    session.expire_all()
    assert customers.get_customer(session, other.id).nit == original
    # Saving a customer with its own NIT is not a clash.
    same = customers.update_customer(session, ACTOR, other.id, CustomerPatch(nit=original, phone="2222-3333"))
    assert same.phone == "2222-3333"


def test_invalid_email_is_refused(session: Session) -> None:
    # (The API's document states the same pattern; the service holds every surface to it.)
    with pytest.raises(ValidationFailed) as caught:
        create(session, valid_nit(), email="pagos@ceiba")
    assert caught.value.problems[0].rule == "email.format"


# --- search ---------------------------------------------------------------------------------------


def test_search_by_name_and_nit_ignores_case(session: Session) -> None:
    create(session, "576937-K", "Ferretería El Martillo")
    create(session, valid_nit(4719856), "Distribuidora La Ceiba")
    create(session, "CF", "Consumidor Final")
    assert names(session, "martillo") == ["Ferretería El Martillo"]
    assert names(session, "LA CEIBA") == ["Distribuidora La Ceiba"]
    assert names(session, "576937-k") == ["Ferretería El Martillo"]
    assert names(session, "4719856") == ["Distribuidora La Ceiba"]
    assert names(session, "cf") == ["Consumidor Final"]
    assert names(session, "zzz") == []
    assert names(session) == ["Consumidor Final", "Distribuidora La Ceiba", "Ferretería El Martillo"]


def test_search_can_filter_active_customers(session: Session) -> None:
    kept = create(session, valid_nit(), "Activo")
    gone = create(session, valid_nit(), "Inactivo")
    customers.set_active(session, ACTOR, gone.id, False)
    assert names(session, active=True) == ["Activo"]
    assert names(session, active=False) == ["Inactivo"]
    assert kept.active is True


# --- delete or deactivate ---------------------------------------------------------------------------


def test_an_invoiced_customer_cannot_be_deleted_but_can_be_deactivated(session: Session) -> None:
    make_issuer(session)
    customer = make_customer(session, name="Hotel Casa Santo Domingo")
    invoice = make_issued(session, "112.00", customer=customer)

    with pytest.raises(Conflict) as caught:
        customers.delete_customer(session, ACTOR, customer.id)
    assert caught.value.message.es == (
        "El cliente Hotel Casa Santo Domingo tiene facturas y no puede eliminarse; desactívelo."
    )
    session.expire_all()
    assert customers.get_customer(session, customer.id).name == "Hotel Casa Santo Domingo"
    assert session.scalar(select(func.count()).select_from(Customer).where(Customer.id == customer.id)) == 1
    assert [h.action for h in audit.history_of(session, "customer", customer.id)] == ["created"]

    deactivated = customers.set_active(session, ACTOR, customer.id, False)
    assert deactivated.active is False
    assert customers.get_customer(session, customer.id).active is False
    assert invoice.customer_id == customer.id


def test_a_customer_never_invoiced_can_be_deleted(session: Session) -> None:
    customer = create(session, valid_nit(), "Cliente de paso")
    customer_id = customer.id
    customers.delete_customer(session, ACTOR, customer_id)
    with pytest.raises(NotFound):
        customers.get_customer(session, customer_id)
    assert count_customers(session) == 0
    deleted = audit.history_of(session, "customer", customer_id)[-1]
    assert deleted.action == "deleted"
    assert deleted.before is not None
    assert deleted.before["name"] == "Cliente de paso"


# --- history --------------------------------------------------------------------------------------


def test_every_change_leaves_a_history_record_with_before_and_after(session: Session) -> None:
    customer = create(session, "576937-K", "Café Los Altos", payment_terms_days=15)
    customers.update_customer(
        session, ACTOR, customer.id, CustomerPatch(name="Café Los Altos, S.A.", phone="7765-0000")
    )
    customers.update_customer(session, ACTOR, customer.id, CustomerPatch(name="Café Los Altos, S.A."))  # no change
    customers.set_active(session, ACTOR, customer.id, False)
    customers.set_active(session, ACTOR, customer.id, False)  # already inactive: nothing to record
    customers.set_active(session, ACTOR, customer.id, True)
    session.flush()

    history = audit.history_of(session, "customer", customer.id)
    assert [h.action for h in history] == ["created", "updated", "deactivated", "reactivated"]
    created, updated, deactivated, reactivated = history
    assert created.before is None
    assert created.after is not None
    assert (created.after["nit"], created.after["name"], created.after["payment_terms_days"]) == (
        "576937-K",
        "Café Los Altos",
        15,
    )
    assert updated.before == {"name": "Café Los Altos", "phone": ""}
    assert updated.after == {"name": "Café Los Altos, S.A.", "phone": "7765-0000"}
    assert (deactivated.before, deactivated.after) == ({"active": True}, {"active": False})
    assert (reactivated.before, reactivated.after) == ({"active": False}, {"active": True})
    assert all(h.actor_name == ACTOR.name and h.actor_kind == "user" for h in history)
    assert all(h.at is not None for h in history)
