"""The projects' integrations (`/api/environments/:id/integrations/`, scope
`integration:read`): what a hog function's `integration` input points to. Project 1 holds the
ones its seeded functions use (`seed.INTEGRATION_IDS`) and a second Slack workspace to switch
to; the sandbox (3) holds a Slack workspace of its own, so a copy has one to pick."""

from __future__ import annotations

from datetime import timedelta

from emulator import seed as demo
from emulator.routing import JSON, Request


def _integration(team: int, integration_id: int, kind: str, name: str, days: int) -> dict:
    return {
        "id": integration_id,
        "team_id": team,
        "kind": kind,
        "config": {},
        "display_name": name,
        "errors": "",
        "created_at": (demo.NOW - timedelta(days=days)).isoformat().replace("+00:00", "Z"),
        "created_by": demo.user_basic(demo.USERS[0]),
    }


IDS = demo.INTEGRATION_IDS
INTEGRATIONS = [
    _integration(1, IDS["slack"], "slack", "Hedgebox workspace", 300),
    _integration(1, IDS["slack"] + 1, "slack", "Hedgebox Ops workspace", 40),
    _integration(1, IDS["hubspot"], "hubspot", "hedgebox.example (HubSpot)", 200),
    _integration(1, IDS["salesforce"], "salesforce", "Hedgebox Salesforce", 180),
    _integration(1, IDS["google-pubsub"], "google-pubsub", "hedgebox-events@gcp", 120),
    _integration(3, 52, "slack", "Hedgebox sandbox workspace", 10),
]


def list_integrations(req: Request):
    items = [
        {k: v for k, v in i.items() if k != "team_id"}
        for i in INTEGRATIONS
        if i["team_id"] == req.team
    ]
    return 200, req.page(items), JSON
