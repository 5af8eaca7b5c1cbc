"""Which database a vault belongs to, so that start-up clean-up never mistakes one for another.

At start ``Consent.complete_pending`` shreds vault objects of no job (an upload killed between
sealing its recording and writing its row) and job keys of no job. Against the wrong database
(a mistyped URL, a new empty one, a backup of another installation) every recording and key
would look like such a leftover. So the vault and the database carry the same random id (the
file ``<vault>/instance`` and the row ``instance.vault``); the clean-up runs only when both
hold the same one.

The first start of an installation (neither has an id) binds them, unless the database has no
job while the vault holds data: a database that knows nothing of a vault full of recordings is
more likely the wrong one than a new one. A database with an id beside a vault without one is
bound only while that vault is still empty.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from service.db import Database, InstanceValue, Job
from service.vault import Vault

logger = logging.getLogger(__name__)

KEY = "vault"


def bound(db: Database, vault: Vault) -> bool:
    """Whether ``db`` and ``vault`` belong together (binding them on a first start)."""
    in_db, in_vault = _db_id(db), vault.instance_id()
    if in_db is not None and in_vault is not None:
        return in_db == in_vault
    has_data = bool(vault.object_ids(""))
    if in_db is None and in_vault is None:
        if has_data and not _has_jobs(db):
            return False
        in_db = _claim_db(db, uuid.uuid4().hex)
        return vault.claim_instance(in_db) == in_db
    if in_db is not None and not has_data:  # a new, empty data directory
        return vault.claim_instance(in_db) == in_db
    return False


def _db_id(db: Database) -> str | None:
    with db.sessions() as session:
        return session.scalar(select(InstanceValue.value).where(InstanceValue.key == KEY))


def _has_jobs(db: Database) -> bool:
    with db.sessions() as session:
        return session.scalar(select(Job.id).limit(1)) is not None


def _claim_db(db: Database, instance_id: str) -> str:
    """Store ``instance_id`` unless another process stored one first; the stored one."""
    try:
        with db.sessions.begin() as session:
            session.add(InstanceValue(key=KEY, value=instance_id))
    except IntegrityError:
        pass
    stored = _db_id(db)
    assert stored is not None
    return stored
