"""The project's integrations (Slack workspaces, HubSpot and Salesforce connections, Google
service accounts…): what an `integration` input of a hog function points to, by id.

PostHog serves them under `/api/environments/:id/integrations/` (scope `integration:read`).
An integration belongs to one project: its id means nothing in another.
"""

from __future__ import annotations

from datetime import datetime

from services.models import PostHogModel, UserBasic
from services.transport import Transport


class Integration(PostHogModel):
    id: int
    kind: str | None = None  # "slack", "hubspot", "google-pubsub"…, as inputs name it
    display_name: str | None = None
    errors: str | None = None
    created_at: datetime | None = None
    created_by: UserBasic | None = None

    @property
    def label(self) -> str:
        return f"{self.display_name or self.kind or 'Integration'} (#{self.id})"


class Integrations:
    def __init__(self, transport: Transport, project_id: int):
        self._t = transport
        self._base = f"/api/environments/{int(project_id)}/integrations/"

    def list(self, *, kind: str | None = None) -> list[Integration]:
        """Every integration of the project, or those of one `kind`, following `next`."""
        found = [Integration.model_validate(row) for row in self._t.iter_results(self._base)]
        return [i for i in found if kind is None or i.kind == kind]
