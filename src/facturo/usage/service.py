"""The usage-billing service: the one entry point surfaces and other packages use."""

from facturo.usage.billing import BillingResult, PlannedInvoice, PlannedLine, check_range, plan, run_billing
from facturo.usage.import_report import ImportReport, problem_json
from facturo.usage.importing import import_message
from facturo.usage.manual import (
    cancel_instance,
    create_category,
    create_configuration,
    create_customer,
    create_instance,
    create_resource,
    get_instance,
)
from facturo.usage.queries import list_runs, overview
from facturo.usage.reset import reset_usage

__all__ = [
    "BillingResult",
    "ImportReport",
    "PlannedInvoice",
    "PlannedLine",
    "cancel_instance",
    "check_range",
    "create_category",
    "create_configuration",
    "create_customer",
    "create_instance",
    "create_resource",
    "get_instance",
    "import_message",
    "list_runs",
    "overview",
    "plan",
    "problem_json",
    "reset_usage",
    "run_billing",
]
