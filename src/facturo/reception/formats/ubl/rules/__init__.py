"""The EN 16931 business rules for UBL (rules version 1.3.16), one module per rule family.

Each module registers its checks with :func:`facturo.reception.formats.ubl.rules.registry.rule`;
:func:`facturo.reception.formats.ubl.rules.registry.run_rules` runs them all.
"""
