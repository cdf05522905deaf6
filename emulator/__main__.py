"""`python -m emulator --port 8010 [--latency-ms N] [--fault KIND:METHOD:PATH:STATUS:TIMES]`"""

from __future__ import annotations

import argparse
import time

from emulator.server import Emulator


def main() -> None:
    parser = argparse.ArgumentParser(description="PostHog-compatible emulator with demo data")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8010)
    parser.add_argument("--latency-ms", type=int, default=0, help="delay before every answer")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--hog-functions", type=int, default=300)
    parser.add_argument("--rate-limits", action="store_true", help="enforce 480/min, 4800/h")
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="KIND:METHOD:PATH:STATUS:TIMES",
        help="inject a fault; KIND is status, malformed, drop, throttle or delay; empty parts "
        "match anything, e.g. status:GET:/hog_functions:503:3 or drop:PATCH::0:1",
    )
    args = parser.parse_args()
    emu = Emulator(
        host=args.host,
        port=args.port,
        latency_ms=args.latency_ms,
        seed=args.seed,
        hog_functions=args.hog_functions,
        rate_limits=args.rate_limits,
    )
    for spec in args.fault:
        kind, method, path, status, times = (spec.split(":") + ["", "", "", ""])[:5]
        emu.inject_fault(
            kind,
            method=method or None,
            path_contains=path or None,
            status=int(status or 500),
            times=int(times or 1),
            wait_seconds=int(status or 30),
            delay_ms=int(status or 0),
        )
    emu.start()
    print(f"PostHog emulator on {emu.url} — project {emu.project_id} — demo key {emu.demo_key}")
    print(
        f"other keys: read-only {emu.readonly_key}, project 1 only {emu.scoped_key}, "
        f"every scope but query:read {emu.no_query_key}",
        flush=True,
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        emu.stop()


if __name__ == "__main__":
    main()
