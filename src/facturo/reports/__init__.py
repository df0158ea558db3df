"""Usage-billing reports: the invoice detail and the sales analysis, each as JSON, CSV and PDF.

Every figure is computed once, in the report models of ``schemas`` built by ``service``; the CSV
and PDF renderings only format those models, so the three formats always agree to the cent
(docs/reports.md).
"""
