"""Alembic migrations shipped inside the package (located relative to this file)."""
