"""The sequence audit: gaps in the numbers of received documents, per issuer, kind and series
(docs/audit-gaps.md)."""
