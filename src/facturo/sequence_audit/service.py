"""The sequence audit's service: what the API, the CLI and the reception workers' hook call.

sync        apply the accepted documents not audited yet (incremental; the workers' hook)
recompute   rebuild every sequence and gap from the documents (same result as the increments)
gaps        the gaps first detected on a day (default yesterday), or of a date range
gaps_csv    the same as CSV, one row per gap or per missing number
gap_listing either of the two (the command line's --csv)
top         the issuers with the most missing numbers in a range
monthly     per issuer and month: documents, gaps opened, closed late, missing at month end
sequences   every sequence followed, auditable or not
"""

from __future__ import annotations

from facturo.sequence_audit.maintenance import RecomputeResult, SyncResult, recompute, step, sync
from facturo.sequence_audit.reports import GapListing, gap_listing, gaps, gaps_csv, monthly, resolved, sequences, top

__all__ = [
    "GapListing",
    "RecomputeResult",
    "SyncResult",
    "gap_listing",
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
