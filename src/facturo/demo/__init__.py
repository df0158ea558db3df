"""Realistic Guatemalan demo data (``facturo demo``)."""
