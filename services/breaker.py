"""A circuit breaker per connection (host + key), so a PostHog that keeps failing is not asked
hundreds of times.

After `threshold` consecutive failed reads (a 5xx, a timeout, a dropped connection) the
breaker opens: reads fail at once, unsent, for `cool_down` seconds. Then one read is let
through as a probe; its success closes the breaker, its failure opens it again. Any answer
from PostHog, even a refusal, shows the host is up and resets the count. Writes are never
stopped by it: the operator asked for each one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from services import errors

THRESHOLD = 5
COOL_DOWN = 30.0


class CircuitBreaker:
    def __init__(
        self,
        *,
        threshold: int = THRESHOLD,
        cool_down: float = COOL_DOWN,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.threshold = threshold
        self.cool_down = cool_down
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._open_until = 0.0
        self._last: Exception | None = None

    def check(self, *, method: str = "GET", path: str = "") -> None:
        """Raise `CircuitOpen` (nothing sent) while open; let one probe through after the
        cool-down."""
        with self._lock:
            if self._failures < self.threshold:
                return
            now = self._clock()
            if now < self._open_until:
                raise errors.CircuitOpen(
                    failures=self._failures,
                    retry_in=self._open_until - now,
                    cause=self._last,
                    method=method,
                    path=path,
                )
            # the probe: the others keep waiting until it succeeds or another cool-down passes
            self._open_until = now + self.cool_down

    def succeeded(self) -> None:
        with self._lock:
            self._failures = 0

    def failed(self, error: Exception | None = None) -> None:
        with self._lock:
            self._failures += 1
            self._last = error
            if self._failures >= self.threshold:
                self._open_until = self._clock() + self.cool_down


def host_failed(exc: Exception) -> bool:
    """The failures that say the host is in trouble (not a refusal of this request)."""
    if isinstance(exc, (errors.ConnectionFailed, errors.RequestTimedOut)):
        return True
    return isinstance(exc, errors.ServerError)


_registry: dict[str, CircuitBreaker] = {}
_registry_lock = threading.Lock()


def breaker_for(fingerprint: str) -> CircuitBreaker:
    """The process-wide breaker of one connection (by its host + key fingerprint)."""
    with _registry_lock:
        if fingerprint not in _registry:
            _registry[fingerprint] = CircuitBreaker()
        return _registry[fingerprint]
