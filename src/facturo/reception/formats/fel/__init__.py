"""Guatemala FEL DTE (SAT, GT_Documento 0.2.1) reading and validation for reception.

:func:`read_fel` is the entry point; see ``docs/reception-fel.md`` for what is checked.
"""

from facturo.reception.formats.fel.reader import read_fel

__all__ = ["read_fel"]
