"""A local PostHog-compatible API server with seeded demo data (standard library only)."""

from emulator.server import DEMO_KEY, READONLY_KEY, SCOPED_KEY, Emulator, RecordedRequest

__all__ = ["DEMO_KEY", "READONLY_KEY", "SCOPED_KEY", "Emulator", "RecordedRequest"]
