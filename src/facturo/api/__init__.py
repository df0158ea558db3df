"""The REST API: app assembly, the unit-of-work route, error mapping."""
