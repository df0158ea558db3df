"""Every EN 16931 rule family, imported for its registrations: import this module before
:func:`facturo.reception.formats.ubl.rules.registry.run_rules` so that the registry is complete."""

from facturo.reception.formats.ubl.rules import (  # noqa: F401
    codelists,
    core,
    decimals,
    syntax,
    totals,
    vat_categories,
)
from facturo.reception.formats.ubl.rules.registry import RULES, run_rules

__all__ = ["RULES", "run_rules"]
