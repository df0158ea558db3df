"""The invoicing service: the one entry point other packages and every surface use."""

from facturo.invoicing.batch import BatchInvoice, BatchLine, IssuedSummary, issue_batch
from facturo.invoicing.credit_notes import create_credit_note
from facturo.invoicing.drafts import LineTerms, create_draft, delete_draft, get_document, line_terms, update_draft
from facturo.invoicing.issuing import issue_invoice, void_invoice
from facturo.invoicing.lifecycle import Status, is_overdue
from facturo.invoicing.lookups import Reference, ResolvedReferences, invoice_history, resolve_references
from facturo.invoicing.numbering import (
    create_series,
    default_series,
    ensure_default_series,
    get_series,
    list_series,
)
from facturo.invoicing.queries import (
    Alerts,
    InvoiceFilter,
    alerts,
    browse_invoices,
    credit_notes_of,
    list_invoices,
)
from facturo.invoicing.settlement import apply_settlement, describe_balance, ensure_settleable
from facturo.invoicing.setup import create_own_series, own_series, set_up, update_profile
from facturo.invoicing.verification import ChainReport, verify_all, verify_series

__all__ = [
    "Alerts",
    "BatchInvoice",
    "BatchLine",
    "ChainReport",
    "InvoiceFilter",
    "IssuedSummary",
    "LineTerms",
    "Reference",
    "ResolvedReferences",
    "Status",
    "alerts",
    "apply_settlement",
    "browse_invoices",
    "create_credit_note",
    "create_draft",
    "create_own_series",
    "create_series",
    "credit_notes_of",
    "default_series",
    "delete_draft",
    "describe_balance",
    "ensure_default_series",
    "ensure_settleable",
    "get_document",
    "get_series",
    "invoice_history",
    "is_overdue",
    "issue_batch",
    "issue_invoice",
    "line_terms",
    "list_invoices",
    "list_series",
    "own_series",
    "resolve_references",
    "set_up",
    "update_draft",
    "update_profile",
    "verify_all",
    "verify_series",
    "void_invoice",
]
