"""The usage-billing service: the one entry point surfaces and other packages use."""

from facturo.usage.batch_import import (
    FileOutcome,
    StoredImport,
    StoredProblem,
    UploadedFile,
    import_messages,
    is_configuration,
    recent_imports,
    stored_imports,
)
from facturo.usage.billing import BillingResult, PlannedInvoice, PlannedLine, plan, run_billing
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
from facturo.usage.problems import ReportDownload, report_download
from facturo.usage.queries import list_runs, overview
from facturo.usage.reset import reset_usage
from facturo.usage.runs import Expected, PreviewOutdated, RunInvoice, confirm_billing, get_run, run_invoices

__all__ = [
    "BillingResult",
    "Expected",
    "FileOutcome",
    "ImportReport",
    "PlannedInvoice",
    "PlannedLine",
    "PreviewOutdated",
    "ReportDownload",
    "RunInvoice",
    "StoredImport",
    "StoredProblem",
    "UploadedFile",
    "cancel_instance",
    "confirm_billing",
    "create_category",
    "create_configuration",
    "create_customer",
    "create_instance",
    "create_resource",
    "get_instance",
    "get_run",
    "import_message",
    "import_messages",
    "is_configuration",
    "list_runs",
    "overview",
    "plan",
    "problem_json",
    "recent_imports",
    "report_download",
    "reset_usage",
    "run_billing",
    "run_invoices",
    "stored_imports",
]
