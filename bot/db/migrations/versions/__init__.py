"""Alembic revisions. The areas' first revisions (0002-0004) each have
`down_revision = "0001_engine"`; 0005 joins them, and each later revision follows the one before."""
