"""What text surfaces (the command line, files) need before they can call the draft services: a
customer named by NIT, a product by its code, a series by its code; and an invoice's history.

A bare number is always an id. Anything else is a NIT (customers), a code (products, series).
A reference that matches nothing, or more than one thing, is a validation error on the field given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from facturo.audit import service as audit
from facturo.catalog import service as catalog
from facturo.customers import service as customers
from facturo.invoicing.drafts import get_document
from facturo.invoicing.numbering import list_series
from facturo.kit.errors import ValidationFailed
from facturo.kit.nit import CONSUMIDOR_FINAL, normalize_nit
from facturo.kit.pagination import MAX_PAGE_SIZE, PageParams
from facturo.organisation import service as organisation

if TYPE_CHECKING:
    from facturo.audit.models import HistoryRecord


@dataclass(frozen=True)
class Reference:
    """A customer, product or series as a person wrote it, and the input field it came from."""

    field: str
    text: str


@dataclass(frozen=True)
class ResolvedReferences:
    customer_id: int | None = None
    series_id: int | None = None
    product_ids: dict[str, int] = field(default_factory=dict)  # by Reference.field


def _as_id(text: str) -> int | None:
    value = text.strip()
    return int(value) if value.isdigit() and not value.startswith("0") else None


def _customer_id(session: Session, ref: Reference) -> int:
    if (found := _as_id(ref.text)) is not None:
        return found
    nit = normalize_nit(ref.text, ref.field)
    if nit == CONSUMIDOR_FINAL:
        # Several customers may be final consumers; only one of them can be meant by "CF".
        page = customers.search_customers(session, PageParams(1, MAX_PAGE_SIZE), CONSUMIDOR_FINAL)
        matches = [c for c in page.items if c.nit == CONSUMIDOR_FINAL]
    else:
        matches = [c for c in [customers.find_by_nits(session, [nit]).get(nit)] if c is not None]
    if len(matches) == 1:
        return matches[0].id
    if not matches:
        raise ValidationFailed.on(
            ref.field,
            "customer.unknown_nit",
            f"No hay ningún cliente con NIT {nit}.",
            f"No customer has NIT {nit}.",
        )
    ids = ", ".join(str(c.id) for c in matches[:10])
    raise ValidationFailed.on(
        ref.field,
        "customer.ambiguous_nit",
        f"Hay {len(matches)} clientes con NIT {nit} (ids {ids}); indique el id del cliente.",
        f"{len(matches)} customers have NIT {nit} (ids {ids}); give the customer's id.",
    )


def _product_id(session: Session, ref: Reference) -> int:
    if (found := _as_id(ref.text)) is not None:
        return found
    code = ref.text.strip()
    page = catalog.search_products(session, PageParams(1, MAX_PAGE_SIZE), code)
    matches = [p for p in page.items if p.code.lower() == code.lower()]
    exact = [p for p in matches if p.code == code]
    if len(exact) == 1 or len(matches) == 1:
        return (exact or matches)[0].id
    raise ValidationFailed.on(
        ref.field,
        "product.unknown_code",
        f"{ref.field}: no hay ningún producto con código «{code}».",
        f"{ref.field}: no product has code “{code}”.",
    )


def _series_id(session: Session, ref: Reference) -> int:
    if (found := _as_id(ref.text)) is not None:
        return found
    code = ref.text.strip()
    issuer_id = organisation.own_issuer(session).id
    matches = [s for s in list_series(session, issuer_id) if s.code.lower() == code.lower()]
    if len(matches) == 1:
        return matches[0].id
    raise ValidationFailed.on(
        ref.field,
        "series.unknown_code",
        f"No hay ninguna serie con código «{code}».",
        f"No series has code “{code}”.",
    )


def resolve_references(
    session: Session,
    *,
    customer: Reference | None = None,
    series: Reference | None = None,
    products: Sequence[Reference] = (),
) -> ResolvedReferences:
    """Ids for what a person named by id, NIT or code (read only)."""
    return ResolvedReferences(
        customer_id=_customer_id(session, customer) if customer else None,
        series_id=_series_id(session, series) if series else None,
        product_ids={ref.field: _product_id(session, ref) for ref in products},
    )


def invoice_history(session: Session, invoice_id: int) -> list[HistoryRecord]:
    """The change history of a document and of what is filed under it (its payments), oldest first."""
    get_document(session, invoice_id)
    return audit.history_of(session, "invoice", invoice_id)
