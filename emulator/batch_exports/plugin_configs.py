"""Legacy plugin configs, listed for the app metrics of plugins."""

from __future__ import annotations

from emulator.routing import JSON, Request


def serialize_plugin_config(pc: dict) -> dict:
    return {
        "id": pc["id"],
        "plugin": pc["plugin"],
        "enabled": pc["enabled"],
        "order": pc["id"],
        "name": pc["name"],
        "description": pc["description"],
        "team_id": pc["team_id"],
        "deleted": False,
        "plugin_info": {
            "id": pc["plugin"],
            "name": pc["name"],
            "capabilities": {"methods": list(pc["categories"])},
        },
    }


def list_plugin_configs(req: Request):
    rows = [serialize_plugin_config(pc) for pc in req.emu.plugin_configs.values()]
    return 200, req.page([r for r in rows if r["team_id"] == req.team]), JSON
