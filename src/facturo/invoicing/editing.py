"""The draft editor's queries and its save: the products a line may name, the totals as the service
will store them, the customers to choose from, and the draft saved from what was posted.

Reading the form stays with the page (``read``): the page is given the product lookup, the only
thing its parsing needs from the database, and returns what it made of the form as an
``EditorInput``. Each function here then gathers everything else the editor shows in one call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Generic, Protocol, TypeVar

from sqlalchemy.orm import Session

from facturo.catalog import service as catalog
from facturo.catalog.schemas import ProductOut
from facturo.invoicing import service
from facturo.invoicing.amounts import LineAmounts, document_totals, line_amounts
from facturo.invoicing.models import Invoice
from facturo.invoicing.schemas import DraftIn, DraftPatch, LineIn
from facturo.invoicing.screens import Attempt, customer_choices
from facturo.kit.actor import Actor
from facturo.kit.errors import NotFound, ValidationFailed
from facturo.kit.money import quantize
from facturo.kit.pagination import PageParams
from facturo.organisation import service as organisation

Resolve = Callable[[str], int | str]  # a product code as typed -> its id, or an error code


class EditorInput(Protocol):
    """What the page made of the editor's form."""

    @property
    def typed_products(self) -> Sequence[str]: ...  # the product typed on each row of the form

    @property
    def lines(self) -> Mapping[int, LineIn]: ...  # the rows that parsed, by row

    @property
    def problems(self) -> Mapping[str, object]: ...

    @property
    def customer_query(self) -> str: ...

    @property
    def customer_id(self) -> int | None: ...

    def draft_in(self) -> DraftIn: ...

    def draft_patch(self) -> DraftPatch: ...


In = TypeVar("In", bound=EditorInput)


# --- products ----------------------------------------------------------------------------------


def active_products(session: Session, query: str = "", limit: int = 100) -> list[ProductOut]:
    """Active products whose code or name contains ``query`` (all of them, up to ``limit``)."""
    found = catalog.search_products(session, PageParams(size=limit), query=query[:100] or None).items
    return [ProductOut.model_validate(p) for p in found if p.active]


@dataclass
class ProductLookup:
    """Turns the product code a line carries into the product (an exact code first, else the one
    product whose code or name contains what was typed), or an error code."""

    session: Session
    by_code: dict[str, ProductOut] = field(default_factory=dict)

    def product(self, typed: str) -> ProductOut | str:
        key = typed.lower()
        if key in self.by_code:
            return self.by_code[key]
        found = catalog.search_products(self.session, PageParams(size=500), query=typed[:100]).items
        exact = [p for p in found if p.code.lower() == key]
        if exact:
            chosen = exact[0]
        elif len(found) == 1:
            chosen = found[0]
        else:
            return "unknown_product" if not found else "ambiguous_product"
        if not chosen.active:
            return "inactive_product"
        self.by_code[key] = ProductOut.model_validate(chosen)
        return self.by_code[key]

    def __call__(self, typed: str) -> int | str:
        found = self.product(typed)
        return found if isinstance(found, str) else found.id


# --- the totals --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowFigures:
    product: ProductOut | None  # the product the row names, when it was found
    amounts: LineAmounts | None  # None while the row has a problem or no price


@dataclass(frozen=True)
class TotalsPreview:
    rows: list[RowFigures]
    subtotal: Decimal
    tax: Decimal
    total: Decimal


def _totals(typed: Sequence[str], lines: Mapping[int, LineIn], lookup: ProductLookup, currency: str) -> TotalsPreview:
    """Each row's figures and the document's totals, by the rounding policy (docs/rounding.md):
    the same ``line_amounts`` the service stores, over the product's price, rate and tax mode
    where the line leaves them blank. Rows with a problem count for nothing until corrected."""
    rows: list[RowFigures] = []
    for row, code in enumerate(typed):
        product = lookup.by_code.get(code.lower()) if code else None
        amounts = None
        valid = lines.get(row)
        if valid is not None:
            terms = service.line_terms(product, None, None, valid.unit_price, valid.tax_rate, valid.price_includes_tax)
            if terms.unit_price is not None:
                amounts = line_amounts(
                    valid.quantity, terms.unit_price, valid.discount, terms.tax_rate, terms.price_includes_tax, currency
                )
        rows.append(RowFigures(product, amounts))
    totals = document_totals(r.amounts for r in rows if r.amounts is not None)
    # Sums of rounded figures are exact already; quantizing only gives "nothing yet" its cents.
    return TotalsPreview(
        rows, quantize(totals.subtotal, currency), quantize(totals.tax, currency), quantize(totals.total, currency)
    )


@dataclass(frozen=True)
class DraftPreview(Generic[In]):
    input: In
    preview: TotalsPreview


def preview_totals(session: Session, read: Callable[[Resolve], In]) -> DraftPreview[In]:
    """The totals of the lines as posted (the editor's live display)."""
    lookup = ProductLookup(session)
    given = read(lookup)
    currency = organisation.own_issuer(session).currency
    return DraftPreview(given, _totals(given.typed_products, given.lines, lookup, currency))


# --- the editor --------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredDraft:
    doc: Invoice
    product_codes: dict[int, str]  # product id -> its code now ("" when the product is gone)


@dataclass(frozen=True)
class DraftEditor(Generic[In]):
    doc: Invoice | None  # the draft edited; None for a new one
    editable: bool = True  # False once the document is issued: it is not edited any more
    input: In | None = None
    preview: TotalsPreview | None = None
    customers: list[tuple[str, str]] = field(default_factory=list)
    products: list[ProductOut] = field(default_factory=list)


def _stored(session: Session, doc: Invoice) -> StoredDraft:
    codes: dict[int, str] = {}
    for line in doc.lines:
        if line.product_id is not None and line.product_id not in codes:
            try:
                codes[line.product_id] = catalog.get_product(session, line.product_id).code
            except NotFound:
                codes[line.product_id] = ""
    return StoredDraft(doc, codes)


def _editor(
    session: Session,
    read: Callable[[Resolve, StoredDraft | None], In],
    invoice_id: int | None,
    visible_to: int | None,
    from_stored: bool,
) -> DraftEditor[In]:
    doc = None if invoice_id is None else service.get_document(session, invoice_id, visible_to=visible_to)
    if doc is not None and doc.status != service.Status.DRAFT:
        return DraftEditor(doc, editable=False)
    lookup = ProductLookup(session)
    given = read(lookup, _stored(session, doc) if doc is not None and from_stored else None)
    currency = organisation.own_issuer(session).currency
    return DraftEditor(
        doc,
        input=given,
        preview=_totals(given.typed_products, given.lines, lookup, currency),
        customers=customer_choices(session, given.customer_query, given.customer_id),
        products=active_products(session),
    )


def draft_editor(
    session: Session,
    read: Callable[[Resolve, StoredDraft | None], In],
    *,
    invoice_id: int | None = None,
    visible_to: int | None = None,
    from_stored: bool = False,
) -> DraftEditor[In]:
    """The editor of a new draft, or of draft ``invoice_id`` (``from_stored``: as it is stored, for
    ``read`` to fill the form with)."""
    return _editor(session, read, invoice_id, visible_to, from_stored)


def save_draft(
    session: Session,
    actor: Actor,
    read: Callable[[Resolve, StoredDraft | None], In],
    *,
    save: bool,
    invoice_id: int | None = None,
    visible_to: int | None = None,
) -> Attempt[DraftEditor[In], Invoice]:
    """The editor as posted, and the draft created (or ``invoice_id`` changed) when ``save`` is asked
    and the form has no problem."""
    editor = _editor(session, read, invoice_id, visible_to, False)
    given = editor.input
    if not save or given is None or given.problems:
        return Attempt(editor)
    doc = editor.doc
    try:
        if doc is None:
            saved = service.create_draft(session, actor, given.draft_in())
        else:
            saved = service.update_draft(session, actor, doc.id, given.draft_patch())
    except ValidationFailed as exc:
        return Attempt(editor, refused=exc)
    return Attempt(editor, done=saved)
