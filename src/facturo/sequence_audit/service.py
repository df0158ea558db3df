"""The sequence audit's service: what the API, the CLI and the reception workers' hook call.

sync        apply the accepted documents not audited yet (incremental; the workers' hook)
recompute   rebuild every sequence and gap from the documents (same result as the increments)
gaps        the gaps first detected on a day (default yesterday), or of a date range
gaps_csv    the same as CSV, one row per gap or per missing number
gap_listing either of the two (the command line's --csv)
gap_page    one offset page of the gaps, with their total (the web list)
top         the issuers with the most missing numbers in a range
monthly     per issuer and month: documents, gaps opened, closed late, missing at month end
sequences   every sequence followed, auditable or not
audit_dashboard  the dashboard's aggregates: open gaps per month, top issuers, late-closure rate
"""

from __future__ import annotations

from facturo.sequence_audit.dashboard import AuditDashboard, MonthFigures, audit_dashboard
from facturo.sequence_audit.maintenance import RecomputeResult, SyncResult, recompute, step, sync
from facturo.sequence_audit.reports import (
    GapListing,
    GapPage,
    gap_listing,
    gap_page,
    gaps,
    gaps_csv,
    monthly,
    resolved,
    sequences,
    top,
)

__all__ = [
    "AuditDashboard",
    "GapListing",
    "GapPage",
    "MonthFigures",
    "RecomputeResult",
    "SyncResult",
    "audit_dashboard",
    "gap_listing",
    "gap_page",
    "gaps",
    "gaps_csv",
    "monthly",
    "recompute",
    "resolved",
    "sequences",
    "step",
    "sync",
    "top",
]
