"""casebot sources."""
