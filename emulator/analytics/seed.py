"""Deterministic demo insights and dashboards (posthog-api.md §3, §4).

Project 1 gets more than one page of insights of every type: favorites, tags, public links,
insights on two dashboards, unused ones (on no dashboard, not viewed for 60+ days), unsaved
and deleted ones, and hostile names; ~10 dashboards at both restriction levels with
collaborators, pinned and shared ones. Every API key belongs to `seed.USERS[0]` (Ada), who is
not a project admin, so the owner-or-admin and collaborator rules can be exercised.
"""

from __future__ import annotations

import random
import string
from datetime import datetime, timedelta

from emulator.seed import NOW, USERS, new_uuid

KEY_USER_ID = USERS[0]["id"]
ADMIN_IDS = {4}  # Dana administers the project
# Users who exist in the organization but have no access to the projects.
OUTSIDERS = [
    {"id": 5, "first_name": "Eve", "last_name": "Outsider", "email": "eve@contractor.example"},
]
EVERYONE_CAN_EDIT, ONLY_COLLABORATORS = 21, 37
GENERATED_PREFIX = "Generated Dashboard"
TAGS = ["growth", "kpi", "marketing", "engineering", "finance", "experiment", "retention", "q3"]
INSIGHT_COUNT = 130

_SEGMENTS = ["EU", "US", "mobile", "web", "enterprise", "free plan", "Q3", "v2", "beta", "APAC"]
_NAMES = {
    "TRENDS": [
        "Daily active users",
        "Weekly pageviews",
        "Signups by country",
        "Revenue per day",
        "Feature flag exposure",
        "Errors per release",
        "Uploads per day",
        "Files shared",
        "Mobile sessions",
        "API calls per plan",
        "Trial starts",
        "Invites sent",
    ],
    "FUNNELS": [
        "Signup funnel",
        "Checkout conversion",
        "Onboarding completion",
        "Upgrade funnel",
        "Invite acceptance",
    ],
    "RETENTION": ["Weekly retention", "Cohort retention by plan", "Day-7 retention"],
    "PATHS": ["Paths from the landing page", "Paths to checkout"],
    "STICKINESS": ["Feature stickiness", "Upload stickiness"],
    "LIFECYCLE": ["User lifecycle", "Team lifecycle"],
    "SQL": ["Top events (SQL)", "Revenue by plan (SQL)", "Largest accounts (SQL)"],
    "JSON": ["Recent errors table", "Latest signups"],
}
_KIND_CYCLE = (
    ["TRENDS"] * 5
    + ["FUNNELS"] * 2
    + ["RETENTION", "PATHS", "STICKINESS", "LIFECYCLE", "SQL", "SQL", "JSON"]
)
HOSTILE_INSIGHTS = [
    "<img src=x onerror=alert('insight')> Pageviews",
    "[Click here](https://evil.example) **urgent** <script>alert(1)</script>",
]
_SOURCE_KINDS = {
    "TRENDS": "TrendsQuery",
    "FUNNELS": "FunnelsQuery",
    "RETENTION": "RetentionQuery",
    "PATHS": "PathsQuery",
    "STICKINESS": "StickinessQuery",
    "LIFECYCLE": "LifecycleQuery",
}
_EVENTS = ["$pageview", "signed_up", "uploaded_file", "upgraded_plan", "invited_teammate"]

# (name, owner id, restriction level, pinned, tags, shared, collaborator ids, extra)
_DASHBOARDS = [
    ("Product overview", 1, 21, True, ["kpi"], "on", [], {"text": True}),
    ("Growth KPIs", 2, 37, True, ["growth", "kpi"], None, [1], {}),
    ("Marketing attribution", 3, 37, False, ["marketing"], None, [2], {}),
    ("Engineering health", 1, 37, False, ["engineering"], "on", [3], {}),
    ("Revenue", 4, 21, True, ["finance", "kpi"], "off", [], {"filters": {"date_from": "-30d"}}),
    ("Onboarding funnel", 2, 21, False, ["growth"], None, [3], {}),
    ("Support & retention", 3, 21, False, ["retention"], "on", [], {}),
    ("Executive weekly", 4, 37, True, ["kpi"], None, [1, 2], {"mode": "duplicate"}),
    ("<img src=x onerror=alert('dash')> Ops", 1, 21, False, [], None, [], {}),
    ("[Click here](https://evil.example) **Q3 plan**", 2, 21, False, ["q3"], None, [], {}),
]


def user_uuid(user_id: int) -> str:
    """The UUID `seed.user_basic` gives a user."""
    return f"01900000-0000-4000-8000-{user_id:012d}"


def kind_of(query: dict | None, filters: dict | None = None) -> str:
    """PostHog's list filter `insight=` value for a query (INS `_filter_request`)."""
    if not isinstance(query, dict) or not query:
        return str((filters or {}).get("insight") or "TRENDS")
    source = query.get("source") if isinstance(query.get("source"), dict) else {}
    if query.get("kind") in ("DataTableNode", "DataVisualizationNode", "InsightVizNode"):
        if source.get("kind") == "HogQLQuery":
            return "SQL"
        for name, source_kind in _SOURCE_KINDS.items():
            if query.get("kind") == "InsightVizNode" and source.get("kind") == source_kind:
                return name
    return "JSON"


def query_for(kind: str, rng: random.Random) -> dict:
    event = rng.choice(_EVENTS)
    series = [{"kind": "EventsNode", "event": event, "name": event, "math": "total"}]
    if kind == "SQL":
        sql = "SELECT event, count() AS total FROM events GROUP BY event ORDER BY total DESC"
        return {"kind": "DataVisualizationNode", "source": {"kind": "HogQLQuery", "query": sql}}
    if kind == "JSON":
        source = {"kind": "EventsQuery", "select": ["*", "event", "timestamp"], "event": event}
        return {"kind": "DataTableNode", "source": source}
    source: dict = {"kind": _SOURCE_KINDS[kind], "dateRange": {"date_from": "-7d"}}
    if kind == "FUNNELS":
        steps = ["$pageview", "signed_up", "upgraded_plan"]
        source["series"] = [{"kind": "EventsNode", "event": e, "name": e} for e in steps]
        source["funnelsFilter"] = {"funnelWindowInterval": 14, "funnelWindowIntervalUnit": "day"}
    elif kind == "RETENTION":
        source["retentionFilter"] = {
            "targetEntity": {"id": "signed_up", "type": "events"},
            "returningEntity": {"id": "$pageview", "type": "events"},
            "period": "Week",
            "totalIntervals": 8,
        }
    elif kind == "PATHS":
        source["pathsFilter"] = {"includeEventTypes": ["$pageview"], "startPoint": "/"}
    else:
        source["series"] = series
        source["interval"] = "day"
    return {"kind": "InsightVizNode", "source": source}


def compute(kind: str, insight_id: int, generation: int, now: datetime) -> dict:
    """A deterministic stand-in for running the query: `result`, `columns`, `hogql`, `types`."""
    rng = random.Random(insight_id * 7919 + generation)
    days = [(now - timedelta(days=6 - i)).strftime("%Y-%m-%d") for i in range(7)]
    columns = hogql = types = None
    if kind == "FUNNELS":
        count = rng.randint(800, 5000)
        result: list = []
        for order, step in enumerate(["$pageview", "signed_up", "upgraded_plan"]):
            result.append({"action_id": step, "name": step, "order": order, "count": count})
            count = int(count * rng.uniform(0.2, 0.7))
    elif kind == "RETENTION":
        result = []
        for week in range(4):
            size = rng.randint(100, 400)
            values = [{"count": int(size * 0.8**i)} for i in range(4 - week)]
            result.append({"label": f"Week {week}", "date": days[week], "values": values})
    elif kind == "PATHS":
        result = [
            {"source": "1_/", "target": f"2_/{page}", "value": rng.randint(20, 900)}
            for page in ("pricing", "signup", "docs")
        ]
    elif kind in ("SQL", "JSON"):
        columns = ["event", "total"]
        types = [["event", "String"], ["total", "UInt64"]]
        hogql = "SELECT event, count() AS total FROM events GROUP BY event"
        result = [[event, rng.randint(10, 50000)] for event in _EVENTS]
    else:
        data = [rng.randint(50, 2000) for _ in days]
        result = [
            {"label": "$pageview", "count": sum(data), "data": data, "labels": days, "days": days}
        ]
    return {"result": result, "columns": columns, "hogql": hogql, "types": types}


def _short_id(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(8))


def _insight(rng, insight_id, team_id, kind, name, creator, created) -> dict:
    modified = created + (NOW - created) * rng.random()
    return {
        "id": insight_id,
        "short_id": _short_id(rng),
        "team_id": team_id,
        "name": name,
        "derived_name": None,
        "description": "",
        "query": query_for(kind, rng),
        "filters": {},
        "order": None,
        "deleted": False,
        "tags": [],
        "favorited": False,
        "saved": True,
        "is_sample": False,
        "created_at": created,
        "created_by": creator,
        "updated_at": modified,
        "last_modified_at": modified,
        "last_modified_by": creator,
        "cache": None,
        "generation": 0,
        "pending": None,
        "alerts": [],
    }


def _cache(ins: dict, moment: datetime) -> dict:
    return {**compute(kind_of(ins["query"]), ins["id"], ins["generation"], moment), "at": moment}


def build(seed: int) -> dict:
    """The whole analytics state for an emulator with this seed."""
    rng = random.Random(seed)
    st: dict = {
        "rng": rng,
        "insights": {},
        "dashboards": {},
        "tiles": {},
        "collaborators": [],
        "sharing": {},
        "views": {},
        "activity": [],
        "queries": {},
        "ids": {"insight": 2001, "dashboard": 101, "tile": 5001, "text": 9001},
    }
    insights = _seed_insights(st, rng, team_id=1, count=INSIGHT_COUNT)
    dashboards = _seed_dashboards(st, rng)
    _place_tiles(st, insights, dashboards)
    _seed_views_and_history(st, rng, insights)
    extra = _seed_insights(st, rng, team_id=2, count=4)
    staging = new_dashboard(st, team_id=2, name="Staging smoke", owner=1, created=NOW)
    for ins in extra:
        add_tile(st, staging, ins)
    return st


def next_id(st: dict, kind: str) -> int:
    value = st["ids"][kind]
    st["ids"][kind] += 1
    return value


def _seed_insights(st: dict, rng: random.Random, *, team_id: int, count: int) -> list[dict]:
    out, used = [], set()
    for i in range(count):
        kind = _KIND_CYCLE[i % len(_KIND_CYCLE)]
        base = _NAMES[kind][i % len(_NAMES[kind])]
        name = base
        while name in used:
            name = f"{base} ({rng.choice(_SEGMENTS)} {rng.randint(2, 99)})"
        used.add(name)
        if team_id == 1 and i in (41, 88):
            name = HOSTILE_INSIGHTS[i // 50]
        creator = USERS[i % len(USERS)]["id"]
        created = NOW - timedelta(days=rng.randint(70, 700), minutes=rng.randint(0, 1440))
        ins = _insight(rng, next_id(st, "insight"), team_id, kind, name, creator, created)
        ins["index"] = i
        if i % 17 == 6:  # auto-named: PostHog shows the derived name
            ins["name"], ins["derived_name"] = None, f"{base} (auto)"
        if i % 3 == 1:
            ins["description"] = f"Owned by the {rng.choice(TAGS)} team."
        if i % 4 == 0:
            ins["tags"] = [TAGS[i % len(TAGS)]]
        if i % 8 == 0:
            ins["tags"].append(TAGS[(i // 8) % len(TAGS)])
            ins["tags"] = sorted(set(ins["tags"]))
        ins["favorited"] = i % 7 == 3
        if i % 29 == 3:
            ins["saved"] = False
        ins["deleted"] = i % 23 == 5
        if i % 5 != 4:
            ins["cache"] = _cache(ins, NOW - timedelta(hours=rng.randint(2, 72)))
        if i % 16 in (1, 9) and not ins["deleted"]:
            enabled_at = ins["created_at"] + timedelta(days=1)
            st["sharing"][("insight", ins["id"])] = {
                "created_at": enabled_at,
                "enabled": i % 16 == 1,
                "access_token": new_uuid(rng).replace("-", "")[:22],
                "settings": None,
            }
        st["insights"][ins["id"]] = ins
        out.append(ins)
    return out


def new_dashboard(st: dict, *, team_id: int, name, owner: int, created: datetime, **fields):
    dashboard = {
        "id": next_id(st, "dashboard"),
        "team_id": team_id,
        "name": name,
        "description": "",
        "pinned": False,
        "created_at": created,
        "created_by": owner,
        "last_accessed_at": None,
        "deleted": False,
        "creation_mode": "default",
        "tags": [],
        "restriction_level": EVERYONE_CAN_EDIT,
        "filters": {},
        "variables": {},
        "breakdown_colors": [],
        "data_color_theme_id": None,
        "last_refresh": None,
    }
    dashboard.update(fields)
    st["dashboards"][dashboard["id"]] = dashboard
    return dashboard


def add_tile(st: dict, dashboard: dict, insight: dict | None, *, text: str | None = None) -> dict:
    position = sum(1 for t in st["tiles"].values() if t["dashboard_id"] == dashboard["id"])
    layout = {"x": (position % 2) * 6, "y": (position // 2) * 5, "w": 6, "h": 5}
    tile = {
        "id": next_id(st, "tile"),
        "dashboard_id": dashboard["id"],
        "insight_id": insight["id"] if insight else None,
        "text": None,
        "color": None,
        "layouts": {"sm": layout, "xs": {"x": 0, "y": position * 5, "w": 1, "h": 5}},
        "filters_overrides": {},
        "show_description": None,
        "transparent_background": None,
        "deleted": False,
    }
    if text is not None:
        tile["text"] = {
            "id": next_id(st, "text"),
            "body": text,
            "created_by": dashboard["created_by"],
            "last_modified_at": dashboard["created_at"],
            "last_modified_by": None,
            "team": dashboard["team_id"],
        }
    st["tiles"][tile["id"]] = tile
    return tile


def _seed_dashboards(st: dict, rng: random.Random) -> list[dict]:
    out = []
    for name, owner, level, pinned, tags, shared, collaborators, extra in _DASHBOARDS:
        created = NOW - timedelta(days=rng.randint(40, 500))
        dashboard = new_dashboard(
            st,
            team_id=1,
            name=name,
            owner=owner,
            created=created,
            description=f"{name.split(' ')[0]} numbers for the weekly review.",
            pinned=pinned,
            tags=list(tags),
            restriction_level=level,
            filters=dict(extra.get("filters", {})),
            creation_mode=extra.get("mode", "default"),
            last_accessed_at=NOW - timedelta(hours=rng.randint(1, 900)),
        )
        for user_id in collaborators:
            st["collaborators"].append(
                {
                    "id": new_uuid(rng),
                    "dashboard_id": dashboard["id"],
                    "user_id": user_id,
                    "level": ONLY_COLLABORATORS,
                    "added_at": created + timedelta(days=2),
                    "updated_at": created + timedelta(days=2),
                }
            )
        if shared:
            st["sharing"][("dashboard", dashboard["id"])] = {
                "created_at": created + timedelta(days=1),
                "enabled": shared == "on",
                "access_token": new_uuid(rng).replace("-", "")[:22],
                "settings": None,
            }
        if extra.get("text"):
            add_tile(st, dashboard, None, text="**Read me**: numbers refresh every morning.")
        out.append(dashboard)
    hidden = [
        ("Old launch dashboard (archived)", {"deleted": True}),
        ("Experiment results (unlisted)", {"creation_mode": "unlisted"}),
        (f"{GENERATED_PREFIX}: Web analytics", {"creation_mode": "template"}),
    ]
    for name, fields in hidden:
        created = NOW - timedelta(days=rng.randint(100, 600))
        out.append(new_dashboard(st, team_id=1, name=name, owner=1, created=created, **fields))
    return out


def _place_tiles(st: dict, insights: list[dict], dashboards: list[dict]) -> None:
    live = dashboards[: len(_DASHBOARDS)]
    archived = dashboards[len(_DASHBOARDS)]
    for ins in insights:
        i = ins["index"]
        if ins["deleted"] or i % 10 == 9 or i % 3 == 2 or not ins["saved"]:
            continue
        add_tile(st, live[i % len(live)], ins)
        if i % 7 == 0:
            add_tile(st, live[(i + 3) % len(live)], ins)
        if i % 20 == 0:
            tile = add_tile(st, archived, ins)
            tile["deleted"] = True
    # a tile removed from "Product overview" earlier: soft-deleted, still stored
    removed = next(ins for ins in insights if ins["index"] % 3 == 2 and not ins["deleted"])
    add_tile(st, live[0], removed)["deleted"] = True


def _seed_views_and_history(st: dict, rng: random.Random, insights: list[dict]) -> None:
    for ins in insights:
        i = ins["index"]
        viewers = rng.sample([u["id"] for u in USERS], k=rng.randint(0, 3))
        for user_id in viewers:
            if i % 10 == 9:  # unused: only old views, some never viewed
                if i % 20 == 19:
                    continue
                ago = timedelta(days=rng.randint(61, 300))
            else:
                ago = timedelta(days=rng.randint(0, 40), hours=rng.randint(0, 23))
            st["views"][(ins["id"], user_id)] = max(ins["created_at"], NOW - ago)
        if i % 10 != 9 and not viewers:
            st["views"][(ins["id"], KEY_USER_ID)] = NOW - timedelta(days=rng.randint(1, 30))
        name = ins["name"] or ins["derived_name"]
        _log(st, ins, ins["created_by"], "created", [], ins["created_at"], name)
        if i % 6 == 0:
            editor = USERS[(i + 1) % len(USERS)]["id"]
            old = f"{name} (draft)"
            changes = [_change("name", old, name)]
            _log(st, ins, editor, "updated", changes, ins["last_modified_at"], name)
        if ins["tags"] and i % 8 == 0:
            changes = [_change("tags", ins["tags"][:1], ins["tags"])]
            _log(st, ins, ins["created_by"], "updated", changes, ins["last_modified_at"], name)
        if ins["deleted"]:
            moment = ins["last_modified_at"] + timedelta(hours=1)
            _log(st, ins, ins["created_by"], "deleted", [_change("deleted", False, True)], moment)
    st["activity"].sort(key=lambda entry: entry["created_at"])


def _change(field: str, before, after, kind: str = "Insight") -> dict:
    action = "created" if before is None else "deleted" if after is None else "changed"
    return {"type": kind, "action": action, "field": field, "before": before, "after": after}


def _log(st, ins, user_id, activity, changes, moment, name=None) -> None:
    st["activity"].append(
        {
            "id": new_uuid(st["rng"]),
            "team_id": ins["team_id"],
            "user_id": user_id,
            "activity": activity,
            "scope": "Insight",
            "item_id": str(ins["id"]),
            "detail": {
                "id": None,
                "changes": changes,
                "merge": None,
                "trigger": None,
                "name": name or ins["name"] or ins["derived_name"],
                "short_id": ins["short_id"],
                "type": None,
            },
            "created_at": moment,
        }
    )
