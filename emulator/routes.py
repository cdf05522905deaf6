"""Every route the emulator answers, with the personal API key scope PostHog asks for it.

A route's scope is PostHog's: the viewset's scope object, read for list/retrieve and write for
create/update/destroy, and per custom action what PostHog maps it to. Custom actions PostHog
maps to no scope are `unmapped`: every scoped key is refused them. A known path with a method
no route answers is 405 (scoped keys: refused first, as PostHog checks scopes before methods).
"""

from __future__ import annotations

from emulator import account, activity_log, integrations, query
from emulator.analytics import collaborators, dashboards, insights, sharing
from emulator.analytics.common import refuse_delete
from emulator.batch_exports import app_metrics, backfills, exports, plugin_configs, runs
from emulator.hog_functions import handlers as hog
from emulator.routing import Route, read, route, unmapped, write

P = "/api/projects/{team}"  # also /api/environments/{team}; {team} is an id or @current
HOG, EXPORT, PLUGIN = "hog_function", "batch_export", "plugin"
INSIGHT, DASHBOARD = "insight", "dashboard"
SHARING, ACTIVITY = "sharing_configuration", "activity_log"

FN = f"{P}/hog_functions/{{id}}"
BE = f"{P}/batch_exports/{{id}}"
RUN = f"{BE}/runs/{{run_id}}"
BACKFILL = f"{BE}/backfills/{{backfill_id}}"
METRICS = f"{P}/app_metrics/{{id}}"
INS = f"{P}/insights/{{id}}"
DASH = f"{P}/dashboards/{{id}}"

ROUTES: list[Route] = [
    # public: template icons and the public template catalogue
    route("GET", "/static/services/{icon}", hog.static_icon, public=True),
    route("GET", "/api/public_hog_function_templates", account.public_templates, public=True),
    # any valid key
    route("GET", "/api/users/@me", account.me),
    route("GET", "/api/projects", account.projects),
    route("GET", P, account.project),
    # hog functions (posthog-api.md §1)
    route("GET", f"{P}/hog_function_templates", account.templates, read(HOG)),
    route("GET", f"{P}/hog_function_templates/{{template_id}}", account.template, read(HOG)),
    route("GET", f"{P}/hog_functions", hog.list_functions, read(HOG)),
    route("POST", f"{P}/hog_functions", hog.create_function, write(HOG)),
    route("GET", f"{P}/hog_functions/icons", hog.icons, unmapped(HOG)),
    route("GET", f"{P}/hog_functions/icon", hog.icon, unmapped(HOG)),
    route("PATCH", f"{P}/hog_functions/rearrange", hog.rearrange, write(HOG)),
    route("POST", f"{P}/hog_functions/new/invocations", hog.invoke_new, write(HOG)),
    route("GET", FN, hog.get_function, read(HOG)),
    route("PATCH PUT", FN, hog.update_function, write(HOG)),
    route("DELETE", FN, hog.refuse_delete, write(HOG)),
    route("GET", f"{FN}/logs", hog.logs, read(HOG)),
    route("GET", f"{FN}/metrics", hog.metrics, read(HOG)),
    route("GET", f"{FN}/metrics/totals", hog.metrics_totals, read(HOG)),
    route("POST", f"{FN}/invocations", hog.invoke, write(HOG)),
    route("POST", f"{FN}/enable_backfills", hog.enable_backfills, unmapped(HOG)),
    # batch exports, runs and backfills (§2)
    route("GET", f"{P}/batch_exports", exports.list_exports, read(EXPORT)),
    route("POST", f"{P}/batch_exports", exports.create_export, write(EXPORT)),
    route("GET", f"{P}/batch_exports/test", exports.test_steps, read(EXPORT)),
    route("POST", f"{P}/batch_exports/run_test_step_new", exports.run_new_test_step, write(EXPORT)),
    route("GET", BE, exports.get_export, read(EXPORT)),
    route("PATCH PUT", BE, exports.update_export, write(EXPORT)),
    route("DELETE", BE, exports.delete_export, write(EXPORT)),
    route("GET", f"{BE}/logs", exports.logs, unmapped(EXPORT)),
    route("POST", f"{BE}/pause", exports.pause, write(EXPORT)),
    route("POST", f"{BE}/unpause", exports.unpause, write(EXPORT)),
    route("POST", f"{BE}/run_test_step", exports.run_test_step, write(EXPORT)),
    route("POST", f"{BE}/backfill", backfills.start_legacy_backfill, write(EXPORT)),
    route("GET", f"{BE}/runs", runs.list_runs, read(EXPORT)),
    route("GET", RUN, runs.get_run, read(EXPORT)),
    route("GET", f"{RUN}/logs", runs.run_logs, unmapped(EXPORT)),
    route("POST", f"{RUN}/cancel", runs.cancel_run, write(EXPORT)),
    route("POST", f"{RUN}/retry", runs.retry_run, write(EXPORT)),
    route("GET", f"{BE}/backfills", backfills.list_backfills, read(EXPORT)),
    route("POST", f"{BE}/backfills", backfills.start_backfill, write(EXPORT)),
    route("GET", BACKFILL, backfills.get_backfill, read(EXPORT)),
    route("POST", f"{BACKFILL}/cancel", backfills.cancel, write(EXPORT)),
    # legacy app metrics and plugin configs (§5)
    route("GET", f"{P}/plugin_configs", plugin_configs.list_plugin_configs, read(PLUGIN)),
    route("GET", METRICS, app_metrics.metrics, read(PLUGIN)),
    route("GET", f"{METRICS}/error_details", app_metrics.error_details, read(PLUGIN)),
    route("GET", f"{METRICS}/historical_exports", app_metrics.historical_exports, read(PLUGIN)),
    route(
        "GET",
        f"{METRICS}/historical_exports/{{job_id}}",
        app_metrics.historical_export,
        unmapped(PLUGIN),
    ),
    # insights (§3)
    route("GET", f"{P}/insights", insights.list_insights, read(INSIGHT)),
    route("POST", f"{P}/insights", insights.create_insight, write(INSIGHT)),
    route("GET", f"{P}/insights/activity", insights.activity, read(ACTIVITY)),
    route("POST", f"{P}/insights/viewed", insights.viewed, read(INSIGHT)),
    route("POST", f"{P}/insights/cancel", insights.cancel, unmapped(INSIGHT)),
    route("GET", f"{P}/insights/my_last_viewed", insights.my_last_viewed, unmapped(INSIGHT)),
    route("GET", f"{P}/insights/trending", insights.trending, read(INSIGHT)),
    route("GET", INS, insights.get_insight, read(INSIGHT)),
    route("PATCH PUT", INS, insights.update_insight, write(INSIGHT)),
    route("DELETE", INS, refuse_delete, write(INSIGHT)),
    route("GET", f"{INS}/activity", insights.insight_activity, read(ACTIVITY)),
    route("POST", f"{INS}/viewed", insights.insight_viewed, unmapped(INSIGHT)),
    route("GET", f"{INS}/sharing", sharing.show_insight, read(SHARING)),
    route("PATCH", f"{INS}/sharing", sharing.change_insight, write(SHARING)),
    route("POST", f"{INS}/sharing/refresh", sharing.refresh_insight, write(SHARING)),
    # dashboards, their collaborators and sharing (§4)
    route("GET", f"{P}/dashboards", dashboards.list_dashboards, read(DASHBOARD)),
    route("POST", f"{P}/dashboards", dashboards.create_dashboard, write(DASHBOARD)),
    route("GET", DASH, dashboards.get_dashboard, read(DASHBOARD)),
    route("PATCH PUT", DASH, dashboards.update_dashboard, write(DASHBOARD)),
    route("DELETE", DASH, refuse_delete, write(DASHBOARD)),
    route("PATCH", f"{DASH}/move_tile", dashboards.move_tile, unmapped(DASHBOARD)),
    route("GET", f"{DASH}/collaborators", collaborators.list_collaborators, read(DASHBOARD)),
    route("POST", f"{DASH}/collaborators", collaborators.add_collaborator, write(DASHBOARD)),
    route(
        "DELETE",
        f"{DASH}/collaborators/{{user_uuid}}",
        collaborators.remove_collaborator,
        write(DASHBOARD),
    ),
    route("GET", f"{DASH}/sharing", sharing.show_dashboard, read(SHARING)),
    route("PATCH", f"{DASH}/sharing", sharing.change_dashboard, write(SHARING)),
    route("POST", f"{DASH}/sharing/refresh", sharing.refresh_dashboard, write(SHARING)),
    # the project's integrations, which integration inputs point to
    route("GET", f"{P}/integrations", integrations.list_integrations, read("integration")),
    # the project's activity log: who changed what
    route("GET", f"{P}/activity_log", activity_log.list_activity, read(ACTIVITY)),
    # the query API (§7): runs outside the emulator's lock, it has its own
    route("POST", f"{P}/query", query.run_query, read("query"), locked=False),
]

# every scope object a route asks for, to build the demo keys from
SCOPE_OBJECTS = tuple(sorted({r.scope.object for r in ROUTES if r.scope}))
