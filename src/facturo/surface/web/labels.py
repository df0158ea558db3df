"""The names pages show for the codes services return (an invoice's status, an instance's state…),
each written once and marked for the catalog; a page translates them where it shows them."""

from __future__ import annotations

from collections.abc import Mapping

from facturo.surface.web.i18n import N_
from facturo.surface.web.i18n import gettext as _

INVOICE_STATUSES = {
    "draft": N_("Draft"),
    "issued": N_("Issued"),
    "partially_paid": N_("Partially paid"),
    "paid": N_("Paid"),
    "credited": N_("Credited"),
    "void": N_("Void"),
}
PAYMENT_METHODS = {
    "cash": N_("Cash"),
    "credit_card": N_("Credit card"),
    "debit_card": N_("Debit card"),
    "bank_transfer": N_("Bank transfer"),
    "cheque": N_("Cheque"),
    "paypal": N_("PayPal"),
    "neteller": N_("Neteller"),
}
INSTANCE_STATES = {"vigente": N_("In force"), "cancelada": N_("Cancelled")}
RESOURCE_KINDS = {"hardware": N_("Hardware"), "software": N_("Software")}


def translated(labels: Mapping[str, str]) -> dict[str, str]:
    """``labels`` in the page's language."""
    return {code: _(label) for code, label in labels.items()}
