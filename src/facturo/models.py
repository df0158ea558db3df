"""Imports every model so that metadata (Alembic, tests) sees all tables."""

from facturo.audit.models import HistoryRecord
from facturo.auth.models import ApiToken, LoginAttempt, RefreshToken, User
from facturo.catalog.models import Category, Product, ProductPrice
from facturo.customers.models import Customer
from facturo.invoicing.models import Invoice, InvoiceLine, Series
from facturo.kit.db import Base
from facturo.kit.idempotency import IdempotentResponse
from facturo.organisation.models import Issuer
from facturo.payments.models import Payment, PaymentSplit

__all__ = [
    "ApiToken",
    "Base",
    "Category",
    "Customer",
    "HistoryRecord",
    "IdempotentResponse",
    "Invoice",
    "InvoiceLine",
    "Issuer",
    "LoginAttempt",
    "Payment",
    "PaymentSplit",
    "Product",
    "ProductPrice",
    "RefreshToken",
    "Series",
    "User",
]
