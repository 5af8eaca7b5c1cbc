"""Jobs remember which Celery worker runs them (``worker_id``), when it last said so
(``heartbeat_at``) and when their task was last sent to the broker (``sent_at``).

Columns an interim build already added (through ``ADDED_COLUMNS``) are left as they are.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

COLUMNS = (
    sa.Column("worker_id", sa.String(length=64), nullable=True),
    sa.Column("heartbeat_at", sa.DateTime(), nullable=True),
    sa.Column("sent_at", sa.DateTime(), nullable=True),
)


def upgrade() -> None:
    present = {column["name"] for column in sa.inspect(op.get_bind()).get_columns("jobs")}
    with op.batch_alter_table("jobs") as batch:
        for column in COLUMNS:
            if column.name not in present:
                batch.add_column(column)


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        for column in reversed(COLUMNS):
            batch.drop_column(column.name)
