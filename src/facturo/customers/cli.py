from __future__ import annotations

import typer

from facturo.customers import service
from facturo.customers.schemas import CustomerIn, CustomerOut
from facturo.kit.pagination import KeysetParams
from facturo.surface.console.context import JsonOption, answer, emit_json, local_actor, table, unit_of_work

app = typer.Typer(help="Customers (clientes).", no_args_is_help=True)


@app.command("list")
def list_customers(
    q: str = typer.Option(None, "--search", "-q", help="Search in name and NIT."),
    cursor: str = typer.Option(None, help="Continue after a page: the next_cursor it printed."),
    page: int = typer.Option(None, min=1, max=1_000_000, help="Old offset paging (slow on deep pages)."),
    size: int = typer.Option(50, "--size", "--limit", min=1, max=500),
    as_json: bool = JsonOption,
) -> None:
    """List customers by name, a keyset page at a time (--cursor continues)."""
    try:
        params = KeysetParams(limit=size, cursor=cursor, offset_page=page)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    with unit_of_work(write=False) as session:
        found = service.list_customers(session, params, q).map(CustomerOut.model_validate)
    pages = -(-found.total // size) if found.total is not None and found.page is not None else None
    if as_json:
        emit_json(
            {
                "items": [c.model_dump(mode="json") for c in found.items],
                "size": found.limit,
                "next_cursor": found.next_cursor,
                "total": found.total,
                "page": found.page,
                "pages": pages,
            }
        )
        return
    where = f"página {found.page} de {max(pages or 1, 1)}, " if found.page is not None and pages else ""
    counted = f"{found.total} en total" if found.total is not None else f"{len(found.items)} en esta página"
    more = f" · siguiente: --cursor {found.next_cursor}" if found.next_cursor else ""
    table(
        f"Clientes ({where}{counted}){more}",
        ["Id", "NIT", "Nombre", "Correo", "Activo"],
        [(c.id, c.nit, c.name, c.email, "sí" if c.active else "no") for c in found.items],
    )


@app.command("show")
def show_customer(customer_id: int, as_json: bool = JsonOption) -> None:
    """Show one customer."""
    with unit_of_work(write=False) as session:
        customer = CustomerOut.model_validate(service.get_customer(session, customer_id))
    if as_json:
        emit_json(customer)
        return
    table(f"Cliente {customer.id}", ["Campo", "Valor"], list(customer.model_dump().items()))


@app.command("create")
def create_customer(
    nit: str = typer.Option(..., help="NIT with check digit (e.g. 576937-K) or CF."),
    name: str = typer.Option(...),
    address: str = typer.Option("Ciudad"),
    email: str = typer.Option(""),
    phone: str = typer.Option(""),
    terms: int = typer.Option(30, help="Payment terms in days."),
    as_json: bool = JsonOption,
) -> None:
    """Create a customer."""
    with unit_of_work() as session:  # the schema's refusals too become a clear message, not a traceback
        data = CustomerIn(nit=nit, name=name, address=address, email=email, phone=phone, payment_terms_days=terms)
        customer = CustomerOut.model_validate(service.create_customer(session, local_actor(), data))
    answer(customer, as_json, f"Cliente {customer.id} creado: {customer.name} (NIT {customer.nit}).")


@app.command("deactivate")
def deactivate_customer(customer_id: int) -> None:
    """Deactivate a customer (kept for its invoices)."""
    with unit_of_work() as session:
        customer = service.set_active(session, local_actor(), customer_id, False)
        typer.echo(f"Cliente {customer.id} ({customer.name}) desactivado.")
