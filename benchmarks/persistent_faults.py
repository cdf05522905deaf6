"""Measure how the per-function totals fallback (one read per hog function, 10 workers) ends
when PostHog keeps failing: requests sent and seconds until every function has an answer or
an error, for each persistent fault, side by side in one run:

- now: the connection's circuit breaker and the fan-out's 30 s deadline, as the console runs;
- baseline: the same client with the breaker held shut and no deadline (each read retried
  with backoff on its own, as before the breaker).

    python benchmarks/persistent_faults.py --functions 244 --timeout 2

`--timeout` is the client's read timeout for the "slow" fault (PostHog answering after
`--timeout` + 1 s); the console's own is 15 s, which would make the baseline take minutes.
A 429 naming a 30 s wait is handled in the transport in both columns (no request waits
behind PostHog's pause longer than 15 s): the rows show what each sends and how long it takes.
Each case runs on its own emulator, so each starts with fresh limiters and breakers.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from emulator import Emulator  # noqa: E402
from services import PostHogClient, breaker, errors  # noqa: E402

FOREVER = 1_000_000
FAULTS = {
    "502": {"kind": "status", "status": 502},
    "503": {"kind": "status", "status": 503},
    "504": {"kind": "status", "status": 504},
    "dropped connection": {"kind": "drop"},
    "slow answer": {"kind": "delay"},
    "429, wait 30 s": {"kind": "throttle", "wait_seconds": 30},
}


def run(fault: str, *, now: bool, args) -> tuple[int, float, str]:
    with Emulator(port=0, hog_functions=args.functions) as emu:
        client = PostHogClient(
            host=emu.url,
            api_key=emu.demo_key,
            project_id=emu.project_id,
            timeout=args.timeout if fault == "slow answer" else 15.0,
        )
        ids = [f.id for f in client.hog_functions.list()][: args.functions]
        if not now:  # a breaker that never opens: each read fails on its own
            breaker._registry[client.transport.key_fingerprint] = breaker.CircuitBreaker(
                threshold=FOREVER
            )
        spec = dict(FAULTS[fault])
        if spec["kind"] == "delay":
            spec["delay_ms"] = int((args.timeout + 1) * 1000)
        emu.inject_fault(path_contains="/metrics/totals", times=FOREVER, **spec)
        emu.clear_requests()
        started = time.perf_counter()
        results = client.query.per_function_totals(ids, deadline=30.0 if now else None)
        seconds = time.perf_counter() - started
        sent = sum(1 for r in emu.requests if "/metrics/totals" in r.path)
        kinds = sorted({type(v).__name__ for v in results.values()})
        stopped = sum(
            isinstance(v, (errors.CircuitOpen, errors.NotLoaded)) for v in results.values()
        )
        breaker._registry.clear()
        return sent, seconds, f"{', '.join(kinds)} ({stopped} ended by the breaker or deadline)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", type=int, default=244)
    parser.add_argument("--timeout", type=float, default=2.0)
    parser.add_argument("--fault", choices=list(FAULTS), action="append")
    args = parser.parse_args()
    print(f"{args.functions} functions, 10 workers, one /metrics/totals/ read each\n")
    head = ("fault", "now: sent", "s", "baseline: sent", "s", "now ends with")
    print("{:<20} {:>10} {:>7}   {:>15} {:>7}   {}".format(*head))
    for fault in args.fault or FAULTS:
        sent, seconds, ends = run(fault, now=True, args=args)
        base_sent, base_seconds, _ = run(fault, now=False, args=args)
        row = (fault, sent, f"{seconds:.1f}", base_sent, f"{base_seconds:.1f}", ends)
        print("{:<20} {:>10} {:>7}   {:>15} {:>7}   {}".format(*row), flush=True)


if __name__ == "__main__":
    main()
