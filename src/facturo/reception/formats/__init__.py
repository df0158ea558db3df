"""Reading received documents: each format turns the original bytes into the index fields
(:class:`~facturo.reception.formats.reading.ReadDocument`) and its findings. Pure functions: no
database, no archive, no clock."""
