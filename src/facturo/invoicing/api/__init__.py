"""The invoicing REST API: invoices and credit notes (``invoices``), payments (``payments``),
the organisation profile and its numbering series (``organisation``)."""
