"""The journal's tests run on both supported stores: an SQLite file and a real PostgreSQL."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["sqlite", "postgresql"])
def journal_url(request, tmp_path):
    """An empty journal database that does not exist yet: a file in a directory not yet
    created, or a new PostgreSQL database without the table."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/not-yet/journal.sqlite3"
    return request.getfixturevalue("fresh_postgres_url")
