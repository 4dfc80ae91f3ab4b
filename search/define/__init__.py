"""Defining a search: the YAML schema (``spec``), reading and checking it (``loading``), the
define-by-run space that turns a trial into a system (``space``), walking it (``enumeration``),
the budget every architecture is checked against (``budget``), and the known-good architectures
queued first (``warm_start``)."""
