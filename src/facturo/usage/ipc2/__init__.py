"""Adapter for the IPC2 "Tecnologías Chapinas" XML messages (configuration and consumption files)."""
