"""Alembic revisions. Each area's first revision has `down_revision = "0001_engine"`."""
