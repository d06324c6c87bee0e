"""Alembic environment and revisions for casebot's schema."""
