"""casebot web."""
