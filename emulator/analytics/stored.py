"""What the emulator stores for insights and dashboards, for tests (deep copies)."""

from __future__ import annotations

import copy

from emulator.analytics import seed as demo
from emulator.analytics.common import live_tiles, state


def stored_insight(emu, insight_id: int) -> dict:
    """What the emulator stores for an insight (deleted ones too), for tests."""
    with emu.lock:
        st = state(emu)
        ins = copy.deepcopy(st["insights"][insight_id])
        ins["dashboards"] = [t["dashboard_id"] for t in live_tiles(st, insight_id)]
        ins["tiles"] = [
            copy.deepcopy(t) for t in st["tiles"].values() if t["insight_id"] == insight_id
        ]
        ins["views"] = {u: v for (i, u), v in st["views"].items() if i == insight_id}
        ins["last_viewed_at"] = max(ins["views"].values(), default=None)
        ins["sharing"] = copy.deepcopy(st["sharing"].get(("insight", insight_id)))
        return ins


def stored_insights(emu, project_id: int = 1) -> list[dict]:
    with emu.lock:
        ids = [i for i, ins in state(emu)["insights"].items() if ins["team_id"] == project_id]
        return [stored_insight(emu, i) for i in ids]


def live_insights(emu, project_id: int = 1) -> list[dict]:
    """Stored insights of a project that are not soft-deleted."""
    return [ins for ins in stored_insights(emu, project_id) if not ins["deleted"]]


def stored_dashboard(emu, dashboard_id: int) -> dict:
    """What the emulator stores for a dashboard: tiles (soft-deleted too), collaborator user
    ids and sharing."""
    with emu.lock:
        st = state(emu)
        dash = copy.deepcopy(st["dashboards"][dashboard_id])
        dash["tiles"] = [
            copy.deepcopy(t) for t in st["tiles"].values() if t["dashboard_id"] == dashboard_id
        ]
        dash["collaborators"] = [
            c["user_id"] for c in st["collaborators"] if c["dashboard_id"] == dashboard_id
        ]
        dash["sharing"] = copy.deepcopy(st["sharing"].get(("dashboard", dashboard_id)))
        return dash


def stored_dashboards(emu, project_id: int = 1) -> list[dict]:
    with emu.lock:
        st = state(emu)
        ids = [d for d, dash in st["dashboards"].items() if dash["team_id"] == project_id]
        return [stored_dashboard(emu, d) for d in ids]


def stored_dashboard_named(emu, name: str, project_id: int = 1) -> dict:
    return next(d for d in stored_dashboards(emu, project_id) if d["name"] == name)


def activity_log(emu, *, scope: str = "Insight", item_id=None, project_id: int = 1) -> list:
    """Recorded activity of a project, oldest first."""
    with emu.lock:
        return [
            copy.deepcopy(e)
            for e in state(emu)["activity"]
            if e["scope"] == scope
            and e["team_id"] == project_id
            and (item_id is None or e["item_id"] == str(item_id))
        ]


def user_uuid(user_id: int) -> str:
    return demo.user_uuid(user_id)
