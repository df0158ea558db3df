"""Shared building blocks: database, money, time, errors, parsing, output."""
