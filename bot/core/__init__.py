"""The pure domain: no clock reads, no I/O, no framework imports (see tests/test_architecture.py)."""
