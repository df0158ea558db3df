"""The invoicing commands: invoices (``invoices``), payments (``payments``), the organisation
and its numbering series (``organisation``)."""
