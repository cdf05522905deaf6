"""Client-side rate limiting, so one API key stays under PostHog's throttles.

PostHog throttles per personal API key (across projects): 480/minute and 4,800/hour on
every endpoint, and 240/minute and 1,200/hour on the insights endpoints, which use their own
buckets instead of the default ones. One limiter exists per key fingerprint and bucket in
this process, shared by every client and worker thread using that key.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

DEFAULT_LIMITS = ((480, 60.0), (4800, 3600.0))
INSIGHTS_LIMITS = ((240, 60.0), (1200, 3600.0))


class RateLimiter:
    """Sliding-window limiter over several windows, safe to share between threads."""

    def __init__(
        self,
        limits: tuple[tuple[int, float], ...] = DEFAULT_LIMITS,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.limits = limits
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._sent: deque[float] = deque()
        self._paused_until = 0.0

    def _wait_needed(self, now: float) -> float:
        longest = max(window for _, window in self.limits)
        while self._sent and self._sent[0] <= now - longest:
            self._sent.popleft()
        wait = max(0.0, self._paused_until - now)
        for count, window in self.limits:
            in_window = [t for t in self._sent if t > now - window]
            if len(in_window) >= count:
                # the oldest request still counted must leave the window first
                wait = max(wait, in_window[-count] + window - now)
        return wait

    def acquire(self) -> float:
        """Block until a request may be sent; return the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                wait = self._wait_needed(now)
                if wait <= 0:
                    self._sent.append(now)
                    return waited
            self._sleep(wait)
            waited += wait

    def paused_for(self) -> float:
        """Seconds left of PostHog's last 429 pause (0 when none)."""
        with self._lock:
            return max(0.0, self._paused_until - self._clock())

    def pause(self, seconds: float) -> None:
        """PostHog said 429: hold every request on this key for `seconds`."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)


_registry: dict[tuple[str, str], RateLimiter] = {}
_registry_lock = threading.Lock()


def limiter_for(fingerprint: str, bucket: str) -> RateLimiter:
    """The process-wide limiter for one key (by fingerprint) and bucket."""
    with _registry_lock:
        key = (fingerprint, bucket)
        if key not in _registry:
            limits = INSIGHTS_LIMITS if bucket == "insights" else DEFAULT_LIMITS
            _registry[key] = RateLimiter(limits)
        return _registry[key]


def bucket_for(path: str) -> str:
    return "insights" if "/insights" in path else "default"


def paused_for(fingerprint: str) -> float:
    """Seconds left of PostHog's 429 pause on one key, across its buckets (0 when none)."""
    with _registry_lock:
        limiters = [lim for (fp, _), lim in _registry.items() if fp == fingerprint]
    return max((lim.paused_for() for lim in limiters), default=0.0)
