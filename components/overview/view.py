"""The Overview: cards, the fleet chart and the "needs attention" table. Each source is read
in turn and the page redrawn with what has arrived; a source still loading or failed is
marked as such and never blanks the rest."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial

import pandas as pd
import streamlit as st

from components.hog_functions.function_list import explain_source
from components.overview import attention, chart, thresholds
from components.overview.cards import Card
from components.overview.cards import render as render_cards
from components.overview.cards import to_frame as cards_frame
from components.shared import data
from components.shared.feedback import offer_retry
from components.shared.tables import download_csv
from components.shared.text import plain
from services import PostHogClient
from services.fleet import (
    Thresholds,
    delivery,
    failed_streak,
    failing_functions,
    long_paused,
    plugin_errors,
    running_backfills,
    runs_before,
    unhealthy_functions,
    window_start,
)
from services.hog_functions import health_of

LOADING = "Loading…"


@dataclass
class Sources:
    """What has been read so far: a value, or the error that stopped it (absent: loading)."""

    values: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)

    def problem(self, *names: str) -> str | None:
        for name in names:
            if name in self.errors:
                return f"Could not load: {self.errors[name]}"
        return None if all(n in self.values for n in names) else LOADING

    def ready(self, *names: str) -> bool:
        return all(n in self.values for n in names)


def _cards(s: Sources, limits: Thresholds, now: datetime) -> list[Card]:
    window = timedelta(days=limits.days)
    v = s.values
    cards = []
    problem = s.problem("functions", "totals")
    count = previous = None
    if problem is None:
        count = len(failing_functions(v["functions"], v["totals"].totals, limits))
        if v["totals"].previous is not None:
            previous = len(failing_functions(v["functions"], v["totals"].previous, limits))
    cards.append(
        Card(
            "Destinations failing",
            "/hog-functions?type=destination&sort=failure",
            count,
            previous,
            help=f"Enabled destinations failing at least {limits.failure_rate:.0%} of "
            f"{limits.min_volume:,} or more deliveries in {limits.days} days.",
            problem=problem,
        )
    )
    problem = s.problem("functions")
    cards.append(
        Card(
            "Degraded or disabled by PostHog",
            "/hog-functions?health=Degraded&health=Disabled+by+PostHog",
            None if problem else len(unhealthy_functions(v["functions"])),
            help="From PostHog's own rating of each function (its status); PostHog keeps "
            "no history of it.",
            problem=problem,
        )
    )
    problem = s.problem("exports", "exports_health")
    runs = v.get("export_runs", {})
    exports = v.get("exports", [])
    cards.append(
        Card(
            "Exports whose latest runs failed",
            "/batch-exports",
            None if problem else sum(1 for x in exports if failed_streak(runs.get(x.id, []))),
            None
            if problem
            else sum(
                1 for x in exports if failed_streak(runs_before(runs.get(x.id, []), now - window))
            ),
            help="Batch exports whose newest finished run failed.",
            problem=problem,
        )
    )
    problem = s.problem("exports")
    cards.append(
        Card(
            f"Exports paused over {limits.paused_days} days",
            "/batch-exports",
            None if problem else len(long_paused(exports, limits, now)),
            None if problem else len(long_paused(exports, limits, now, ago=window)),
            help="Paused exports export nothing until resumed.",
            problem=problem,
        )
    )
    problem = s.problem("exports", "exports_health")
    backfills = [b for bs in v.get("export_backfills", {}).values() for b in bs]
    cards.append(
        Card(
            "Backfills running",
            "/batch-exports",
            None if problem else len(running_backfills(backfills)),
            None if problem else len(running_backfills(backfills, at=now - window)),
            help="Backfills of every batch export running now.",
            problem=problem,
        )
    )
    problem = s.problem("plugins", "plugins_health")
    metrics = v.get("plugins_health", {})
    since = now - window
    cards.append(
        Card(
            "Legacy plugins with errors",
            "/app-metrics",
            None
            if problem
            else sum(
                1
                for m in metrics.values()
                if not isinstance(m, Exception) and plugin_errors(m, since)
            ),
            None
            if problem
            else sum(1 for m in _read_ok(metrics) if plugin_errors(m) - plugin_errors(m, since)),
            help=f"Legacy plugins that failed in the last {limits.days} days.",
            problem=problem,
        )
    )
    return cards


def _failed(value: object) -> bool:
    return isinstance(value, Exception)


def _read_ok(values: dict) -> list:
    return [v for v in values.values() if not _failed(v)]


def _read(s: Sources, name: str, read) -> None:
    try:
        s.values[name] = read()
    except Exception as exc:  # shown on the cards and above the table; the rest renders
        s.errors[name] = exc


def render(client: PostHogClient, *, key: str = "ov") -> None:
    notices = st.container()
    limits = thresholds.render(key=key)
    now = datetime.now(UTC)
    s = Sources()
    cards_slot = st.empty()

    def redraw() -> None:
        with cards_slot.container():
            render_cards(_cards(s, limits, now))

    redraw()
    st.subheader(f"Deliveries of every hog function, last {limits.days} days")
    chart_slot = st.empty()
    chart_slot.caption(LOADING)
    st.subheader("Needs attention")
    table_slot = st.container()

    _read(s, "totals", lambda: data.fleet_totals(client, days=limits.days))  # and the list
    _read(s, "functions", lambda: data.hog_functions(client))
    if s.ready("totals"):
        with notices:
            explain_source(client, s.values["totals"], key=key)
    redraw()
    _read(s, "exports", lambda: data.batch_exports(client))
    if s.ready("exports"):
        with table_slot:
            _read(s, "exports_health", lambda: data.exports_health(client, s.values["exports"]))
        if s.ready("exports_health"):
            health = s.values["exports_health"]
            failed = {i: e for i, e in health.items() if isinstance(e, Exception)}
            s.values["export_runs"] = {i: h.runs for i, h in health.items() if i not in failed}
            s.values["export_backfills"] = {
                i: h.backfills for i, h in health.items() if i not in failed
            }
            with notices:
                offer_retry(
                    failed,
                    noun="batch exports' runs",
                    retry=partial(data.retry_missing, client, "exports_health"),
                    key=f"{key}_exports_missing",
                )
    redraw()
    _read(s, "plugins", lambda: data.plugin_configs(client))
    if s.ready("plugins"):
        with table_slot:
            _read(
                s,
                "plugins_health",
                lambda: data.plugins_health(
                    client, s.values["plugins"], date_from=f"-{2 * limits.days}d"
                ),
            )
        with notices:
            offer_retry(
                {i: m for i, m in s.values.get("plugins_health", {}).items() if _failed(m)},
                noun="legacy plugins' metrics",
                retry=partial(data.retry_missing, client, "plugins_health"),
                key=f"{key}_plugins_missing",
            )
    redraw()
    one_by_one = s.ready("totals") and s.values["totals"].source == "per_function"
    if not one_by_one:  # the query was refused or failed a moment ago: not asked again
        _read(s, "daily", lambda: data.fleet_daily(client, days=limits.days))
    daily = None
    with chart_slot.container():
        if s.ready("daily"):
            daily = chart.to_frame(s.values["daily"])
            chart.render(daily, key=f"{key}_chart")
        elif one_by_one:
            st.caption("The daily chart needs PostHog's query API, which answered no just now.")
        else:
            st.caption(plain(s.problem("daily") or LOADING))

    with table_slot:
        items = _attention(s, limits, now)
        missing = [n for n in s.errors if n != "daily"]
        if missing:
            st.warning(
                "Not everything could be read, so this list may be incomplete: "
                + "; ".join(plain(f"{_SOURCE_WORDS.get(n, n)}: {s.errors[n]}") for n in missing),
                icon=":material/warning:",
            )
        attention.render(client, items, key=f"{key}_attention")
        cards = _cards(s, limits, now)
        _downloads(cards, items, daily, s, key=key)


_SOURCE_WORDS = {
    "functions": "hog functions",
    "totals": "delivery totals",
    "exports": "batch exports",
    "exports_health": "batch export runs",
    "plugins": "legacy plugins",
    "plugins_health": "legacy plugin metrics",
}


def _attention(s: Sources, limits: Thresholds, now: datetime) -> list[attention.Item]:
    v = s.values
    items: list[attention.Item] = []
    if s.ready("functions", "totals"):
        start = window_start(limits.days, now)
        items += attention.function_items(v["functions"], v["totals"].totals, limits, start)
    elif s.ready("functions"):
        items += attention.function_items(v["functions"], {}, limits, now)
    if s.ready("exports"):
        items += attention.export_items(v["exports"], v.get("export_runs", {}), limits, now)
    if s.ready("plugins", "plugins_health"):
        items += attention.plugin_items(
            v["plugins"], v["plugins_health"], now - timedelta(days=limits.days)
        )
    return attention.ranked(items)


def _downloads(cards, items, daily, s: Sources, *, key: str) -> None:
    """Every number on the page as CSV: the cards, the table, the chart, every function's totals."""
    cols = st.columns(4)
    download_csv(
        cols[0], cards_frame(cards), file_name="overview-cards.csv", key=f"{key}_csv_cards"
    )
    download_csv(
        cols[1],
        attention.to_frame(items).drop(columns=["id"]),
        file_name="overview-needs-attention.csv",
        key=f"{key}_csv_attention",
    )
    if daily is not None:
        download_csv(cols[2], daily, file_name="overview-daily.csv", key=f"{key}_csv_daily")
    if s.ready("functions", "totals"):
        download_csv(
            cols[3],
            _functions_frame(s.values["functions"], s.values["totals"]),
            file_name="overview-functions.csv",
            key=f"{key}_csv_functions",
        )


def _functions_frame(functions, fleet) -> pd.DataFrame:
    rows = []
    for f in functions:
        d = delivery(fleet.totals.get(f.id))
        rows.append(
            {
                "id": f.id,
                "Name": f.name,
                "Type": f.type,
                "Health": health_of(f),
                "Succeeded": d.succeeded,
                "Failed": d.failed,
                "Failure rate": d.rate,
            }
        )
    return pd.DataFrame(rows)
