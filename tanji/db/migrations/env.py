"""Alembic environment: migrate the engine handed over by tanji.db.migrate."""

from __future__ import annotations

from alembic import context

from tanji.db.registry import metadata

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
