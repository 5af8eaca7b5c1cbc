"""Database errors never quote a row's values: a constraint error's text (which a crash or a
server log may print) names the statement, not the informant code or user it was writing."""

from __future__ import annotations

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from service.db import Project, open_database, utcnow


def test_an_integrity_error_does_not_quote_the_values(db_url: str) -> None:
    db = open_database(db_url)
    db.upgrade()
    row = {
        "id": "p" * 32,
        "name": "Rusomsorg Bodø",
        "owner": "kari.nordmann",
        "created_at": utcnow(),
    }
    try:
        with db.sessions.begin() as session:
            session.execute(insert(Project), [row])
        with pytest.raises(IntegrityError) as error, db.sessions.begin() as session:
            session.execute(insert(Project), [row])
        text = str(error.value)
        assert "hidden due to hide_parameters" in text
        assert "Bodø" not in text and "kari.nordmann" not in text
    finally:
        db.dispose()
