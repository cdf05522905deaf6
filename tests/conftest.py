"""Shared fixtures: a real emulator over loopback for every test that talks HTTP."""

from __future__ import annotations

import pytest

from emulator import Emulator
from services import PostHogClient


@pytest.fixture
def emulator():
    """A fresh emulator per test, so writes never leak between tests."""
    with Emulator(port=0) as emu:
        yield emu


@pytest.fixture
def sleeps():
    """Records back-off sleeps instead of sleeping, so retry tests run fast."""
    return []


@pytest.fixture
def client(emulator, sleeps):
    return PostHogClient(
        host=emulator.url,
        api_key=emulator.demo_key,
        project_id=emulator.project_id,
        timeout=5,
        sleep=sleeps.append,
    )


@pytest.fixture
def client_for(emulator, sleeps):
    """Build a client on the emulator with another key, project or settings."""

    def build(key, *, project_id=None, **kwargs) -> PostHogClient:
        kwargs.setdefault("sleep", sleeps.append)
        return PostHogClient(
            host=emulator.url,
            api_key=key,
            project_id=emulator.project_id if project_id is None else project_id,
            **kwargs,
        )

    return build
