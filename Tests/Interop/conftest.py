"""pytest wiring for the interop tests; the harness itself lives in harness.py."""

from harness import clean_database, herald, herald_factory, stack  # noqa: F401  (fixtures)
