"""Alembic environment: runs on the connection pimdesk hands it (see catalog.migrate)."""

from __future__ import annotations

from alembic import context

from pimdesk.catalog import models  # noqa: F401  (registers every table)
from pimdesk.catalog.db import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("pimdesk migrations run through pimdesk.catalog.migrate only")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
