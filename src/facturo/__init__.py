"""facturo: invoicing for Latin America."""

__version__ = "0.1.0"
