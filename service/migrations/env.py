"""Alembic's environment: run by ``service.migrations`` with an open connection (no
``alembic.ini``, no URL here), against the models' metadata."""

from __future__ import annotations

from alembic import context

from service.db import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite alters a table by copying it; later revisions use ``op.batch_alter_table``.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
