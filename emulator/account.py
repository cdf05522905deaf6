"""The key's user, its projects and the function templates: what the console reads first."""

from __future__ import annotations

from emulator import seed as demo
from emulator.errors import ApiError
from emulator.routing import JSON, Request


def _project(project: dict) -> dict:
    return {
        **project,
        "uuid": f"01900000-0000-4000-8000-00000000000{project['id']}",
        "organization": demo.ORGANIZATION["id"],
        "project_id": project["id"],
    }


def me(req: Request):
    teams = [_project(p) for p in demo.PROJECTS]
    org = demo.ORGANIZATION
    return (
        200,
        {
            **demo.user_basic(demo.USERS[0]),
            "is_staff": False,
            "team": teams[0] | {"project_id": teams[0]["id"]},
            "organization": {**org, "teams": teams, "projects": teams},
            "organizations": [{"id": org["id"], "name": org["name"]}],
        },
        JSON,
    )


def projects(req: Request):
    return 200, req.page([_project(p) for p in demo.PROJECTS]), JSON


def project(req: Request):
    return 200, _project(next(p for p in demo.PROJECTS if p["id"] == req.team)), JSON


def _templates(req: Request, *, public: bool):
    query = req.query
    types = query.get("types", "") or query.get("type", "destination")
    wanted = set(filter(None, types.split(",")))
    hidden = {"deprecated", "hidden"} if public else {"deprecated"}
    items = [
        t
        for t in req.emu.templates.values()
        if t["type"] in wanted
        and t["status"] not in hidden
        and (not query.get("template_id") or t["id"] == query["template_id"])
    ]
    return 200, req.page(items), JSON


def templates(req: Request):
    return _templates(req, public=False)


def public_templates(req: Request):
    return _templates(req, public=True)


def template(req: Request):
    found = req.emu.templates.get(req.params["template_id"])
    if found is None:
        raise ApiError.not_found()
    return 200, found, JSON
