"""Measure the hog functions list and the Overview, cold, as the console runs them (the real
components and their cached reads under Streamlit's AppTest), against the emulator with
simulated network latency and PostHog's rate limits (480 requests a minute per key).

    python benchmarks/fleet_overview.py --functions 1000 --latency-ms 100

Prints side by side, in one run, four cold loads (each on its own emulator, so each starts
with an empty console cache and a full rate-limit budget) and a warm rerun of each:
- one query: a key with `query:read`: the list pages and one HogQL query over `app_metrics`
  (the Overview adds the daily query, the batch exports and legacy plugins);
- per function: a key without `query:read`: the refused query, then one `/metrics/totals/`
  request per function, concurrently within the client's rate limiter.

The emulator builds `app_metrics` in Python from its hourly counts, which ClickHouse answers
in milliseconds: on the one-query path the emulator builds it before the console is timed,
and the run says how long that took.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

import components.shared.shell as shell  # noqa: E402
from emulator import Emulator  # noqa: E402
from services import PostHogClient  # noqa: E402

LIST = """
from components.hog_functions import function_list
from components.shared.connection import get_client
function_list.render(get_client())
"""
PAGES = {"hog functions list": LIST, "Overview": ROOT / "pages" / "overview.py"}
KEYS = {"one query": "demo_key", "per function": "no_query_key"}


def _kind(path: str) -> str:
    path = path.split("?")[0]
    if "/metrics/totals" in path:
        return "per-function totals"
    if path.endswith("/query/"):
        return "queries"
    if path.endswith("/hog_functions/"):
        return "list pages"
    return "exports and plugins"


def cold(page: str, key_name: str, args) -> dict:
    settings = dict(
        port=0, latency_ms=args.latency_ms, hog_functions=args.functions, rate_limits=True
    )
    with Emulator(**settings) as emu:
        key = getattr(emu, KEYS[key_name])
        built = 0.0
        if key_name == "one query":  # the emulator's own Python computing, not the console's
            start = time.perf_counter()
            client = PostHogClient(
                host=emu.url, api_key=key, project_id=emu.project_id, timeout=600
            )
            client.query.hog_function_windows(days=7)
            client.query.hog_function_daily(days=7)
            built = time.perf_counter() - start
        os.environ.update(
            POSTHOG_HOST=emu.url, POSTHOG_PERSONAL_API_KEY=key, POSTHOG_PROJECT_ID=str(1)
        )
        st.cache_data.clear()
        st.cache_resource.clear()  # the fleet reads kept per connection: a cold console
        script = PAGES[page]
        at = (
            AppTest.from_file(str(script), default_timeout=900)
            if isinstance(script, Path)
            else AppTest.from_string(script, default_timeout=900)
        )
        emu.clear_requests()
        start = time.perf_counter()
        at.run()
        seconds = time.perf_counter() - start
        if at.exception:
            raise SystemExit(f"{page} failed: {at.exception[0].value}")
        sent = list(emu.requests)
        emu.clear_requests()
        start = time.perf_counter()
        at.run()
        warm = time.perf_counter() - start
        return {
            "seconds": seconds,
            "requests": len(sent),
            "kinds": Counter(_kind(r.path) for r in sent),
            "throttled": sum(1 for r in sent if r.status == 429),
            "warm seconds": warm,
            "warm requests": len(emu.requests),
            "built": built,
            "said": [i.value for i in at.info if "query:read" in i.value],
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", type=int, default=1000)
    parser.add_argument("--latency-ms", type=int, default=100)
    args = parser.parse_args()
    shell.require_navigation = lambda: None  # pages run alone here, not through app.py
    # imports and Streamlit's own start-up, once, outside the timings
    AppTest.from_string("import components.overview.view", default_timeout=120).run()
    results = {(p, k): cold(p, k, args) for k in KEYS for p in PAGES}
    columns = [(p, k) for p in PAGES for k in KEYS]
    print(
        f"functions: {args.functions}  latency: {args.latency_ms} ms  window: 7 days  "
        "rate limit: 480/min per key"
    )
    print(f"{'':30}" + "".join(f"{p[:18]:>20}" for p, _ in columns))
    print(f"{'':30}" + "".join(f"{k:>20}" for _, k in columns))
    rows = [
        ("seconds, cold", lambda r: f"{r['seconds']:.2f}"),
        ("requests sent, cold", lambda r: str(r["requests"])),
        ("  list pages", lambda r: str(r["kinds"]["list pages"])),
        ("  queries", lambda r: str(r["kinds"]["queries"])),
        ("  per-function totals", lambda r: str(r["kinds"]["per-function totals"])),
        ("  exports and plugins", lambda r: str(r["kinds"]["exports and plugins"])),
        ("  answered 429", lambda r: str(r["throttled"])),
        ("seconds, warm rerun", lambda r: f"{r['warm seconds']:.2f}"),
        ("requests sent, warm rerun", lambda r: str(r["warm requests"])),
        ("emulator building app_metrics", lambda r: f"{r['built']:.2f}" if r["built"] else "-"),
    ]
    for label, value in rows:
        print(f"{label:30}" + "".join(f"{value(results[c]):>20}" for c in columns))
    for column in columns:
        said = results[column]["said"]
        if said:
            print(f"{column[0]}, {column[1]} said once: {said[0]}" if len(said) == 1 else said)


if __name__ == "__main__":
    main()
