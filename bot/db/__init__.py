"""casebot db."""
