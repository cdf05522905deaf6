"""Insights and dashboards as PostHog serves them (posthog-api.md §0, §3, §4, §6 items 2, 3,
11, 12). State lives on the emulator (`emu.analytics`), built on first use by `seed`; one module
per resource holds its handlers; `stored` reads the state for tests."""

from emulator.analytics.stored import (
    activity_log,
    live_insights,
    stored_dashboard,
    stored_dashboard_named,
    stored_dashboards,
    stored_insight,
    stored_insights,
    user_uuid,
)

__all__ = [
    "activity_log",
    "live_insights",
    "stored_dashboard",
    "stored_dashboard_named",
    "stored_dashboards",
    "stored_insight",
    "stored_insights",
    "user_uuid",
]
