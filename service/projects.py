"""Research projects: who owns them and what their consent form promises.

A project belongs to one user (``TokenInfo.user``); that user's tokens see it, and admin tokens
see every project. Each user has a default project («Standardprosjekt»), made on first use, for
uploads that name no project; its id is derived from the user name, so two uploads racing to
make it make one. The informants of a project are numbered S1, S2, ... in upload order; a code
is unique within its project (``service.jobs.creation`` chooses it as the job is inserted).

After a project's end date its audio is deleted even if unverified (``due_for_deletion``);
the owner is warned a few days before (``due_for_warning``, ``mark_warned``).
"""

from __future__ import annotations

import builtins
import logging
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.auth import TokenInfo, check_user_name
from service.db import Database, Job, Project, utcnow
from service.errors import IntervjuError

logger = logging.getLogger(__name__)

NAME_MAX = 200
DEFAULT_PROJECT_NAME = "Standardprosjekt"
# Default project ids are uuid5(this, owner): stable, so the default is found after a rename.
_DEFAULT_NAMESPACE = uuid.UUID("6f0d7c52-52b4-4c44-9d43-2f6f0a1e9b1d")
INFORMANT_CODE_MAX = 16  # the column's length
_INFORMANT_CODE = re.compile(r"S([0-9]{1,15})")  # every S<n> that fits


class _Unset(Enum):
    UNSET = "unset"


UNSET = _Unset.UNSET
"""``ProjectStore.update``'s default: leave the field as it is."""


@dataclass(frozen=True)
class ProjectRecord:
    id: str
    name: str
    owner: str
    delete_audio_after_verify: bool
    end_date: date | None
    anonymize_dates: bool
    created_at: datetime
    end_warned_at: datetime | None

    @property
    def is_default(self) -> bool:
        """Whether this is its owner's default project (where uploads without one go)."""
        return self.id == default_project_id(self.owner)


def default_project_id(owner: str) -> str:
    return uuid.uuid5(_DEFAULT_NAMESPACE, owner).hex


def check_project_name(value: str) -> str:
    """``value`` as a project name (NFC, trimmed): 1-200 characters, no control or invisible
    format characters; raises ``IntervjuError("project.bad_name")`` otherwise."""
    text = unicodedata.normalize("NFC", value).strip()
    hidden = any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text)
    if not text or len(text) > NAME_MAX or hidden:
        raise IntervjuError("project.bad_name", limit=NAME_MAX)
    return text


class ProjectStore:
    """Create, read and change projects. Cheap to build; safe to share between threads."""

    def __init__(self, db: Database) -> None:
        self._db = db

    @staticmethod
    def can_access(token: TokenInfo, project: ProjectRecord) -> bool:
        """Admins see every project; other tokens only their user's."""
        return token.admin or project.owner == token.user

    def create(
        self,
        name: str,
        owner: str,
        *,
        delete_audio_after_verify: bool = True,
        end_date: date | None = None,
        anonymize_dates: bool = False,
    ) -> ProjectRecord:
        """A new project; the end date, if any, must not have passed."""
        row = Project(
            id=uuid.uuid4().hex,
            name=check_project_name(name),
            owner=check_user_name(owner),
            delete_audio_after_verify=delete_audio_after_verify,
            end_date=_check_end_date(end_date),
            anonymize_dates=anonymize_dates,
            created_at=utcnow(),
            end_warned_at=None,
        )
        with self._db.sessions.begin() as session:
            session.add(row)
            session.flush()
            record = _record(row)
        logger.info("project %s created", record.id)
        return record

    def get(self, project_id: str) -> ProjectRecord | None:
        with self._db.sessions() as session:
            row = session.get(Project, project_id)
            return None if row is None else _record(row)

    def list(self, visible_to: TokenInfo) -> list[ProjectRecord]:
        """The projects ``visible_to`` may see, oldest first."""
        query = select(Project).order_by(Project.created_at, Project.id)
        if not visible_to.admin:
            query = query.where(Project.owner == visible_to.user)
        with self._db.sessions() as session:
            return [_record(row) for row in session.scalars(query)]

    def list_all(self) -> builtins.list[ProjectRecord]:
        """Every project, oldest first (for the command line, which has no token)."""
        query = select(Project).order_by(Project.created_at, Project.id)
        with self._db.sessions() as session:
            return [_record(row) for row in session.scalars(query)]

    def update(
        self,
        project_id: str,
        *,
        name: str | _Unset = UNSET,
        delete_audio_after_verify: bool | _Unset = UNSET,
        end_date: date | _Unset | None = UNSET,
        anonymize_dates: bool | _Unset = UNSET,
    ) -> ProjectRecord:
        """Change the given fields; a new end date may be warned about again. Raises
        ``project.not_found`` when there is no such project."""
        with self._db.sessions.begin() as session:
            row = session.get(Project, project_id)
            if row is None:
                raise IntervjuError("project.not_found")
            if not isinstance(name, _Unset):
                row.name = check_project_name(name)
            if not isinstance(delete_audio_after_verify, _Unset):
                row.delete_audio_after_verify = delete_audio_after_verify
            if not isinstance(anonymize_dates, _Unset):
                row.anonymize_dates = anonymize_dates
            if not isinstance(end_date, _Unset) and end_date != row.end_date:
                row.end_date = _check_end_date(end_date)
                row.end_warned_at = None
            session.flush()
            record = _record(row)
        logger.info("project %s updated", record.id)
        return record

    def default_for(self, owner: str) -> ProjectRecord:
        """``owner``'s default project, made on first use."""
        owner = check_user_name(owner)
        project_id = default_project_id(owner)
        existing = self.get(project_id)
        if existing is not None:
            return existing
        row = Project(
            id=project_id,
            name=DEFAULT_PROJECT_NAME,
            owner=owner,
            delete_audio_after_verify=True,
            end_date=None,
            anonymize_dates=False,
            created_at=utcnow(),
            end_warned_at=None,
        )
        try:
            with self._db.sessions.begin() as session:
                session.add(row)
                session.flush()
                record = _record(row)
        except IntegrityError:  # made by a concurrent request in between
            made = self.get(project_id)
            if made is None:
                raise
            return made
        logger.info("default project %s created", record.id)
        return record

    def next_informant_code(self, project_id: str, *, session: Session | None = None) -> str:
        """``S<n+1>`` where ``S<n>`` is the highest code of the project's jobs (``S1`` for
        the first). Pass the session that inserts the job to read and write in one
        transaction."""
        if session is not None:
            return next_code_in(session, project_id)
        with self._db.sessions() as own:
            return next_code_in(own, project_id)

    def due_for_deletion(self, today: date) -> builtins.list[ProjectRecord]:
        """Projects whose end date has passed: their audio must go."""
        query = select(Project).where(Project.end_date < today).order_by(Project.end_date)
        with self._db.sessions() as session:
            return [_record(row) for row in session.scalars(query)]

    def due_for_warning(self, today: date, warn_days: int) -> builtins.list[ProjectRecord]:
        """Projects ending within ``warn_days`` days (today included) whose owner has not been
        warned since the end date was set."""
        query = (
            select(Project)
            .where(
                Project.end_date >= today,
                Project.end_date <= today + timedelta(days=warn_days),
                Project.end_warned_at.is_(None),
            )
            .order_by(Project.end_date)
        )
        with self._db.sessions() as session:
            return [_record(row) for row in session.scalars(query)]

    def mark_warned(self, project_id: str) -> None:
        with self._db.sessions.begin() as session:
            row = session.get(Project, project_id)
            if row is None:
                raise IntervjuError("project.not_found")
            row.end_warned_at = utcnow()


def next_code_in(session: Session, project_id: str) -> str:
    """``S<n+1>`` for the highest ``S<n>`` of the project's jobs, read in ``session``."""
    codes = session.scalars(
        select(Job.informant_code).where(
            Job.project_id == project_id, Job.informant_code.is_not(None)
        )
    )
    numbers = (_INFORMANT_CODE.fullmatch(code or "") for code in codes)
    highest = max((int(match.group(1)) for match in numbers if match), default=0)
    return f"S{highest + 1}"  # longer than INFORMANT_CODE_MAX after someone gave S999999999999999


def _check_end_date(end_date: date | None) -> date | None:
    """Refuse a past end date: the project's audio would be deleted at once."""
    if end_date is not None and end_date < date.today():
        raise IntervjuError("project.end_date_past", end_date=end_date.isoformat())
    return end_date


def _record(row: Project) -> ProjectRecord:
    return ProjectRecord(
        id=row.id,
        name=row.name,
        owner=row.owner,
        delete_audio_after_verify=bool(row.delete_audio_after_verify),
        end_date=row.end_date,
        anonymize_dates=bool(row.anonymize_dates),
        created_at=row.created_at,
        end_warned_at=row.end_warned_at,
    )
