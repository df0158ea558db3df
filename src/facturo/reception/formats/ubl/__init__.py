"""UBL 2.1 Invoice and CreditNote (EN 16931, Peppol BIS 3) read and checked with the official
EN 16931 rule ids."""
