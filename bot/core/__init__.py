"""The pure domain: no clock reads, no I/O, no framework imports.

tests/test_architecture.py enforces this.
"""
