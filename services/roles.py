"""The console's roles: what each may do is decided per action, by the least role it needs."""

from __future__ import annotations

from enum import IntEnum


class Role(IntEnum):
    VIEWER = 0  # read everything, download CSV
    OPERATOR = 1  # switch, pause, backfill, retry, test, favorite, undo their own entries
    ADMIN = 2  # everything: configurations, create, delete, sharing, collaborators, Settings

    @property
    def label(self) -> str:
        return self.name.lower()
