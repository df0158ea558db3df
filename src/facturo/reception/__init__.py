"""Reception of other issuers' e-invoices: FEL DTE, UBL 2.1 and facturo JSON, validated with
rule ids, archived byte for byte and indexed by issuer and date (see docs/reception.md)."""
