"""Every page router, in menu order. Each area's pages live in its domain package (``pages.py``)."""

from __future__ import annotations

from fastapi import APIRouter

from facturo.auth.pages.admin import router as admin_pages
from facturo.auth.pages.sign_in import router as frame_pages
from facturo.catalog.pages import router as catalog_pages
from facturo.customers.pages import router as customer_pages
from facturo.invoicing.pages.invoices import router as invoice_pages
from facturo.invoicing.pages.organisation import router as organisation_pages
from facturo.portal.pages import router as portal_pages
from facturo.reception.pages import router as reception_pages
from facturo.reports.pages.dashboard import router as dashboard_pages
from facturo.reports.pages.reports import router as report_pages
from facturo.sequence_audit.pages import router as audit_pages
from facturo.usage.pages import router as usage_pages

PAGE_ROUTERS: tuple[APIRouter, ...] = (
    frame_pages,
    dashboard_pages,
    customer_pages,
    catalog_pages,
    invoice_pages,
    usage_pages,
    report_pages,
    reception_pages,
    audit_pages,
    admin_pages,
    organisation_pages,
    portal_pages,
)
