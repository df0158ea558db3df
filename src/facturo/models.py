"""Imports every model so that metadata (Alembic, tests) sees all tables."""

from facturo.audit.models import HistoryRecord
from facturo.auth.models import ApiToken, LoginAttempt, RefreshToken, User
from facturo.catalog.models import Category, Product, ProductPrice
from facturo.customers.models import Customer
from facturo.invoicing.models import Invoice, InvoiceLine, Series
from facturo.invoicing.payment_models import Payment, PaymentSplit
from facturo.kit.db import Base
from facturo.kit.idempotency import IdempotentResponse
from facturo.organisation.models import Issuer
from facturo.reception.models import DocumentFinding, ReceivedDocument, Submission
from facturo.sequence_audit.models import AuditRun, AuditSequence, Gap, MonthlyCount
from facturo.usage.models import (
    BilledPeriod,
    BillingRun,
    Configuration,
    ConfigurationItem,
    ConfigurationVersion,
    Consumption,
    Instance,
    LineResourcePart,
    LineSnapshot,
    Resource,
    ResourcePrice,
)
from facturo.usage.models import (
    Category as UsageCategory,
)
from facturo.usage.models import (
    Lock as UsageLock,
)
from facturo.usage.models import (
    Message as UsageMessage,
)

__all__ = [
    "ApiToken",
    "AuditRun",
    "AuditSequence",
    "Base",
    "BilledPeriod",
    "BillingRun",
    "Category",
    "Configuration",
    "ConfigurationItem",
    "ConfigurationVersion",
    "Consumption",
    "Customer",
    "DocumentFinding",
    "Gap",
    "HistoryRecord",
    "IdempotentResponse",
    "Instance",
    "Invoice",
    "InvoiceLine",
    "Issuer",
    "LineResourcePart",
    "LineSnapshot",
    "LoginAttempt",
    "MonthlyCount",
    "Payment",
    "PaymentSplit",
    "Product",
    "ProductPrice",
    "ReceivedDocument",
    "RefreshToken",
    "Resource",
    "ResourcePrice",
    "Series",
    "Submission",
    "UsageCategory",
    "UsageLock",
    "UsageMessage",
    "User",
]
