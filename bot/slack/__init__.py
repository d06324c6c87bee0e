"""casebot slack."""
