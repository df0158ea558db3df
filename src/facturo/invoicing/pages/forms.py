"""The invoice pages' forms: what the browser posts (plain strings, kept as typed so a form with an
error comes back exactly as the user left it) and how it becomes the service's input models.

Problems are returned, never raised: a pydantic error becomes a short code (``"number"``,
``"positive"``…) that ``pages.py`` translates, and a ``ValidationFailed`` from the service keeps its
own bilingual message. Keys name the form field: ``customer_id``, ``line-2-quantity``,
``split-0-amount``, ``credit-1-quantity``, or ``form`` for the whole form.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from facturo.invoicing.payment_schemas import PaymentIn, ReversalIn
from facturo.invoicing.schemas import CreditNoteIn, DraftIn, DraftPatch, LineIn, VoidIn
from facturo.kit.errors import Msg, ValidationFailed

Problem = str | Msg  # an error code translated by the page, or the service's own message
Problems = dict[str, Problem]

MAX_LINES = 500
MAX_SPLITS = 20


def clean(raw: str | None) -> str:
    """A form value as typed, minus surrounding blanks and NUL bytes (which PostgreSQL refuses)."""
    return (raw or "").replace("\x00", "").strip()


def whole_number(raw: str, top: int) -> int | None:
    """A positive whole number up to ``top`` typed in ASCII digits (``"²"`` is a digit to Python,
    not to ``int``), or None."""
    text = clean(raw)
    if not (text.isascii() and text.isdigit() and len(text) <= len(str(top))):
        return None
    value = int(text)
    return value if 0 < value <= top else None


_GROUPED = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d*)?$")


def number_text(raw: str) -> str:
    """Numbers as people type them: ``Q1,234.50`` → ``1234.50``. Anything else is left for the
    schema to refuse, so the user sees their own input marked."""
    text = clean(raw).replace(" ", "")
    if text[:1] in {"Q", "q"}:
        text = text[1:]
    if _GROUPED.match(text):
        text = text.replace(",", "")
    return text


def percent_to_rate(raw: str) -> str | Decimal | None:
    """``12`` (percent, as typed) → ``Decimal("0.12")``; blank → None; not a number → as typed."""
    text = number_text(raw).rstrip("%")
    if not text:
        return None
    try:
        value = Decimal(text)
        return value / 100 if value.is_finite() else text
    except ArithmeticError:  # not a number, or beyond what a Decimal context holds (1e999999999)
        return text


def _code(error: ErrorDetails, name: str) -> str:
    kind = error["type"]
    if kind == "missing":
        return "required"
    if kind == "string_too_short":
        return "reason" if name == "reason" else "required"
    if kind in {"string_too_long"}:
        return "too_long"
    if kind == "too_long":
        return "too_many"
    if kind in {"decimal_parsing", "decimal_type", "decimal_text", "finite_number", "float_parsing", "float_type"}:
        return "number"
    if kind in {"int_parsing", "int_type", "int_from_float", "enum", "literal_error", "bool_parsing", "bool_type"}:
        return "choice"
    if kind == "greater_than":
        return "positive"
    if kind == "greater_than_equal":
        return "choice" if name in {"customer_id", "product", "line_number"} else "not_negative"
    if kind == "less_than_equal":
        if name == "tax_rate":
            return "tax_rate"
        return "choice" if name in {"customer_id", "product", "line_number"} else "too_large"
    if kind in {"decimal_max_digits", "decimal_max_places", "decimal_whole_digits"}:
        return "decimals"
    if kind.startswith("date") or kind.startswith("datetime"):
        return "date"
    return "invalid"


def pydantic_problems(exc: ValidationError, key: Callable[[tuple[int | str, ...]], str]) -> Problems:
    """Each pydantic error under the form key ``key(loc)`` names; the first error of a field wins."""
    found: Problems = {}
    for error in exc.errors():
        loc = tuple(error["loc"])
        name = key(loc)
        found.setdefault(name, _code(error, str(loc[-1]) if loc else ""))
    return found


_INDEXED = re.compile(r"^(\w+)\[(\d+)\]\.(\w+)$")


def service_problems(exc: ValidationFailed, key: Callable[[tuple[int | str, ...]], str]) -> Problems:
    """A service's ``ValidationFailed`` under the same keys (``lines[0].discount`` → ``("lines", 0,
    "discount")``); a problem about no known field is shown for the whole form."""
    found: Problems = {}
    for problem in exc.problems or []:
        match = _INDEXED.match(problem.field)
        loc: tuple[int | str, ...] = (
            (match.group(1), int(match.group(2)), match.group(3)) if match else (problem.field,)
        )
        found.setdefault(key(loc), problem.message)
    if not found:
        found["form"] = exc.message
    return found


def _validate(model: type[BaseModel], data: dict[str, Any]) -> Any:
    return model.model_validate(data)


# --- the draft editor --------------------------------------------------------------------------

LINE_FIELDS = ("product", "description", "unit", "quantity", "unit_price", "discount", "tax_rate", "includes")
_SCHEMA_TO_FORM = {
    "product_id": "product",
    "description": "description",
    "unit": "unit",
    "quantity": "quantity",
    "unit_price": "unit_price",
    "discount": "discount",
    "tax_rate": "tax_rate",
    "price_includes_tax": "includes",
}


@dataclass
class LineForm:
    product: str = ""
    description: str = ""
    unit: str = ""
    quantity: str = "1"
    unit_price: str = ""
    discount: str = ""
    tax_rate: str = ""  # percent, as people write it
    includes: str = ""  # "" (the product's or the default: included), "yes", "no"

    def blank(self) -> bool:
        """An untouched row: nothing that says what is sold."""
        return not (self.product or self.description or self.unit_price)


@dataclass
class DraftForm:
    customer_id: str = ""
    customer_q: str = ""
    due_date: str = ""
    notes: str = ""
    lines: list[LineForm] = field(default_factory=list)

    @classmethod
    def posted(cls, header: Mapping[str, str], columns: Mapping[str, Sequence[str]]) -> DraftForm:
        rows = max((len(values) for values in columns.values()), default=0)

        def cell(name: str, row: int) -> str:
            values = columns.get(name, ())
            return clean(values[row]) if row < len(values) else ""

        lines = [LineForm(**{name: cell(name, row) for name in LINE_FIELDS}) for row in range(rows)]
        return cls(
            customer_id=clean(header.get("customer_id")),
            customer_q=clean(header.get("customer_q")),
            due_date=clean(header.get("due_date")),
            notes=(header.get("notes") or "").replace("\x00", "").strip(),
            lines=lines,
        )

    def filled(self) -> list[tuple[int, LineForm]]:
        """(row, line) of the rows that say something; untouched rows are ignored."""
        return [(row, line) for row, line in enumerate(self.lines) if not line.blank()]


@dataclass
class ParsedDraft:
    header: DraftIn | None
    lines: dict[int, LineIn]  # by form row
    problems: Problems

    def draft_in(self) -> DraftIn:
        assert self.header is not None and not self.problems
        return self.header.model_copy(update={"lines": list(self.lines.values())})

    def draft_patch(self) -> DraftPatch:
        draft = self.draft_in()
        return DraftPatch(customer_id=draft.customer_id, due_date=draft.due_date, notes=draft.notes, lines=draft.lines)


def line_key(row: int, name: str) -> str:
    return f"line-{row}-{name}"


def parse_line(line: LineForm, product_id: int | None) -> LineIn:
    """Raises pydantic's ValidationError; ``product_id`` is already resolved from the code typed."""
    data: dict[str, Any] = {
        "product_id": product_id,
        "description": line.description or None,
        "unit": line.unit or None,
        "quantity": number_text(line.quantity),
        "unit_price": number_text(line.unit_price) or None,
        "discount": number_text(line.discount) or "0",
        "tax_rate": percent_to_rate(line.tax_rate),
        "price_includes_tax": line.includes or None,
    }
    result: LineIn = _validate(LineIn, data)
    return result


def parse_draft(form: DraftForm, resolve: Callable[[str], int | str]) -> ParsedDraft:
    """The draft as the service takes it, or every problem found. ``resolve`` turns a product code
    into an id, or returns an error code."""
    problems: Problems = {}
    header: DraftIn | None = None
    try:
        header = _validate(
            DraftIn,
            {"customer_id": form.customer_id or None, "due_date": form.due_date or None, "notes": form.notes},
        )
    except ValidationError as exc:
        problems.update(
            {
                name: ("customer" if name == "customer_id" else code)
                for name, code in pydantic_problems(exc, lambda loc: str(loc[0]) if loc else "form").items()
            }
        )
    filled = form.filled()
    if len(filled) > MAX_LINES:
        problems["lines"] = "too_many_lines"
        filled = filled[:MAX_LINES]
    lines: dict[int, LineIn] = {}
    for row, line in filled:
        product_id: int | None = None
        if line.product:
            resolved = resolve(line.product)
            if isinstance(resolved, str):
                problems[line_key(row, "product")] = resolved
                continue
            product_id = resolved
        try:
            lines[row] = parse_line(line, product_id)
        except ValidationError as exc:

            def key(loc: tuple[int | str, ...], row: int = row) -> str:
                name = _SCHEMA_TO_FORM.get(str(loc[0])) if loc else None
                return line_key(row, name) if name else line_key(row, "line")

            found = pydantic_problems(exc, key)
            if line_key(row, "line") in found:
                found[line_key(row, "line")] = "free_line"
            problems.update(found)
    return ParsedDraft(header, lines, problems)


def draft_service_problems(exc: ValidationFailed, parsed: ParsedDraft) -> Problems:
    """Map the service's ``lines[i].x`` (i-th line sent) back to the form row it came from."""
    rows = list(parsed.lines)

    def key(loc: tuple[int | str, ...]) -> str:
        if len(loc) == 3 and loc[0] == "lines" and isinstance(loc[1], int) and loc[1] < len(rows):
            return line_key(rows[loc[1]], _SCHEMA_TO_FORM.get(str(loc[2]), "line"))
        if loc and loc[0] in {"customer_id", "due_date", "notes", "lines"}:
            return str(loc[0])
        return "form"

    return service_problems(exc, key)


# --- payments ----------------------------------------------------------------------------------


@dataclass
class SplitForm:
    method: str = "cash"
    amount: str = ""
    reference: str = ""


@dataclass
class PaymentForm:
    received_on: str = ""
    notes: str = ""
    splits: list[SplitForm] = field(default_factory=list)

    @classmethod
    def posted(
        cls, received_on: str, notes: str, methods: Sequence[str], amounts: Sequence[str], references: Sequence[str]
    ) -> PaymentForm:
        rows = max(len(methods), len(amounts), len(references))

        def at(values: Sequence[str], row: int) -> str:
            return clean(values[row]) if row < len(values) else ""

        return cls(
            received_on=clean(received_on),
            notes=clean(notes),
            splits=[SplitForm(at(methods, r), at(amounts, r), at(references, r)) for r in range(rows)],
        )


def split_key(row: int, name: str) -> str:
    return f"split-{row}-{name}"


@dataclass
class ParsedPayment:
    payment: PaymentIn | None
    rows: list[int]  # form row of each split sent
    problems: Problems


def parse_payment(form: PaymentForm) -> ParsedPayment:
    rows = [row for row, s in enumerate(form.splits) if s.amount or s.reference]
    if len(rows) > MAX_SPLITS:
        return ParsedPayment(None, rows, {"splits": "too_many"})
    data = {
        "received_on": form.received_on or None,
        "notes": form.notes,
        "splits": [
            {
                "method": form.splits[r].method,
                "amount": number_text(form.splits[r].amount) or None,
                "reference": form.splits[r].reference,
            }
            for r in rows
        ],
    }
    try:
        return ParsedPayment(_validate(PaymentIn, data), rows, {})
    except ValidationError as exc:
        return ParsedPayment(None, rows, pydantic_problems(exc, _payment_key(rows)))


def _payment_key(rows: list[int]) -> Callable[[tuple[int | str, ...]], str]:
    def key(loc: tuple[int | str, ...]) -> str:
        if len(loc) >= 3 and loc[0] == "splits" and isinstance(loc[1], int) and loc[1] < len(rows):
            return split_key(rows[loc[1]], str(loc[2]))
        if loc and loc[0] == "splits":
            return "splits"
        return str(loc[0]) if loc and loc[0] in {"received_on", "notes"} else "form"

    return key


def payment_service_problems(exc: ValidationFailed, parsed: ParsedPayment) -> Problems:
    return service_problems(exc, _payment_key(parsed.rows))


# --- credit notes ------------------------------------------------------------------------------


@dataclass
class CreditForm:
    kind: str = "items"  # "full" or "items"
    reason: str = ""
    quantities: dict[int, str] = field(default_factory=dict)  # invoiced line number → quantity typed
    description: str = ""
    amount: str = ""

    @classmethod
    def posted(
        cls,
        kind: str,
        reason: str,
        line_numbers: Sequence[str],
        quantities: Sequence[str],
        description: str,
        amount: str,
    ) -> CreditForm:
        typed: dict[int, str] = {}
        for raw, quantity in zip(line_numbers, quantities, strict=False):
            number = whole_number(raw, 10_000)
            if number is not None:
                typed[number] = clean(quantity)
        return cls(clean(kind) or "items", clean(reason), typed, clean(description), clean(amount))


def credit_key(line_number: int, name: str = "quantity") -> str:
    return f"credit-{line_number}-{name}"


@dataclass
class ParsedCredit:
    note: CreditNoteIn | None
    items: list[str]  # the form key of each item sent
    problems: Problems


def parse_credit(form: CreditForm) -> ParsedCredit:
    items: list[dict[str, Any]] = []
    keys: list[str] = []
    problems: Problems = {}
    if form.kind != "full":
        for number, quantity in sorted(form.quantities.items()):
            if quantity:
                items.append({"line_number": number, "quantity": number_text(quantity)})
                keys.append(credit_key(number))
        if form.amount or form.description:
            if not form.description:
                problems["amount_description"] = "required"
            if not form.amount:
                problems["amount"] = "required"
            items.append({"description": form.description or None, "amount": number_text(form.amount) or None})
            keys.append("amount")

    def key(loc: tuple[int | str, ...]) -> str:
        if len(loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int) and loc[1] < len(keys):
            item = keys[loc[1]]
            if item == "amount" and len(loc) > 2 and loc[2] == "description":
                return "amount_description"
            return item
        if loc and loc[0] == "reason":
            return "reason"
        return "items"

    try:
        note: CreditNoteIn = _validate(
            CreditNoteIn, {"reason": form.reason, "full": form.kind == "full", "items": items}
        )
    except ValidationError as exc:
        found = pydantic_problems(exc, key)
        if "items" in found:
            found["items"] = "credit_kind"
        if problems and found.get("amount") == "invalid":
            del found["amount"]  # the item lacked its description or amount: said precisely below
        return ParsedCredit(None, keys, {**found, **problems})
    if problems:
        return ParsedCredit(None, keys, problems)
    return ParsedCredit(note, keys, {})


def credit_service_problems(exc: ValidationFailed, parsed: ParsedCredit) -> Problems:
    def key(loc: tuple[int | str, ...]) -> str:
        if len(loc) == 3 and loc[0] == "items" and isinstance(loc[1], int) and loc[1] < len(parsed.items):
            item = parsed.items[loc[1]]
            return item
        return "reason" if loc and loc[0] == "reason" else "items"

    return service_problems(exc, key)


# --- reasons (void, payment reversal) -------------------------------------------------------------


def parse_reason(model: type[VoidIn] | type[ReversalIn], reason: str) -> tuple[str | None, Problems]:
    try:
        parsed = _validate(model, {"reason": clean(reason)})
    except ValidationError as exc:
        return None, pydantic_problems(exc, lambda loc: "reason")
    return str(parsed.reason), {}
