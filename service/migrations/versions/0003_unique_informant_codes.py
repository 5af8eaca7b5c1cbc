"""An informant code names one job of its project: a unique index on ``(project_id,
informant_code)``. Jobs without a project or without a code (NULL) are not affected.

Before this revision two uploads to one project at the same moment could get the same
automatic code. Such legacy duplicates are kept, not refused: the oldest job (by creation time,
then id) keeps the code, and each later one gets the code with a suffix, ``S3`` -> ``S3-2``,
``S3-3``, ... (cut to fit 16 characters, never a code the project already has). A suffixed
code is not an ``S<n>``, so the automatic numbering goes on from the highest plain one. The
number of codes renamed is logged, never the codes.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

INDEX = "uq_jobs_project_informant_code"
CODE_LENGTH = 16

logger = logging.getLogger("service.migrations")

_jobs = sa.table(
    "jobs",
    sa.column("id", sa.String()),
    sa.column("project_id", sa.String()),
    sa.column("informant_code", sa.String()),
    sa.column("created_at", sa.DateTime()),
)


def upgrade() -> None:
    renamed = _rename_duplicates(op.get_bind())
    if renamed:
        logger.warning("database: %d duplicate informant code(s) given a suffix", renamed)
    op.create_index(INDEX, "jobs", ["project_id", "informant_code"], unique=True)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="jobs")


def _rename_duplicates(bind: sa.Connection) -> int:
    """Give every job but the oldest of each duplicated ``(project, code)`` a free code."""
    project, code = _jobs.c.project_id, _jobs.c.informant_code
    duplicated = bind.execute(
        sa.select(project, code)
        .where(project.is_not(None), code.is_not(None))
        .group_by(project, code)
        .having(sa.func.count() > 1)
    ).all()
    renamed = 0
    for project_id, duplicate in duplicated:
        used = set(bind.scalars(sa.select(code).where(project == project_id, code.is_not(None))))
        later = bind.scalars(
            sa.select(_jobs.c.id)
            .where(project == project_id, code == duplicate)
            .order_by(_jobs.c.created_at, _jobs.c.id)
            .offset(1)
        ).all()
        for job_id in later:
            new = _free_code(duplicate, used)
            used.add(new)
            bind.execute(sa.update(_jobs).where(_jobs.c.id == job_id).values(informant_code=new))
            renamed += 1
    return renamed


def _free_code(code: str, used: set[str]) -> str:
    number = 2
    while True:
        suffix = f"-{number}"
        candidate = code[: CODE_LENGTH - len(suffix)] + suffix
        if candidate not in used:
            return candidate
        number += 1
