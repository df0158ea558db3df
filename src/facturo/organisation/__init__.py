"""The issuer profile: who issues our invoices. Other issuers (received invoices) live in the same table."""
