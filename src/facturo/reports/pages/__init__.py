"""The dashboard (``dashboard``) and the report pages (``reports``)."""
