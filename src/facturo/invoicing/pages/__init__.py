"""The invoicing pages: invoices (``invoices``, which includes the editor and the actions) and
the organisation settings (``organisation``)."""
