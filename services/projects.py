"""Who the key belongs to and which projects it can reach.

The console resolves a numeric project id once and never writes through `@current`, which
follows whichever project the key's owner last opened in PostHog's UI.
"""

from __future__ import annotations

from services.models import Project, User
from services.transport import Transport


class Users:
    def __init__(self, transport: Transport):
        self._t = transport

    def me(self) -> User:
        return User.model_validate(self._t.get("/api/users/@me/"))


class Projects:
    def __init__(self, transport: Transport):
        self._t = transport

    def list(self) -> list[Project]:
        return [Project.model_validate(row) for row in self._t.iter_results("/api/projects/")]

    def get(self, project_id: int) -> Project:
        return Project.model_validate(self._t.get(f"/api/projects/{int(project_id)}/"))
