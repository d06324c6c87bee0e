"""casebot: monitoring alerts in, cases out."""

__version__ = "0.1.0"
