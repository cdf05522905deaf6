"""Shared fixtures: a real emulator over loopback for every test that talks HTTP."""

from __future__ import annotations

import pytest

from emulator import Emulator
from services import PostHogClient


@pytest.fixture(autouse=True)
def own_journal(tmp_path, monkeypatch):
    """Each test writes its own journal, never the developer's data/journal.sqlite3."""
    url = f"sqlite:///{tmp_path}/journal.sqlite3"
    monkeypatch.setenv("POSTHOG_CONSOLE_JOURNAL_URL", url)
    monkeypatch.delenv("POSTHOG_CONSOLE_READ_ONLY", raising=False)
    return url


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


@pytest.fixture(scope="session")
def searchable_function():
    """Find a stored function matching `wanted` whose name, typed into a search box, finds
    only itself (seeded names repeat with suffixes)."""

    def find(emulator, **wanted) -> dict:
        stored = [f for f in emulator.stored_hog_functions(1) if not f["deleted"]]
        for f in stored:
            if all(f[k] == v for k, v in wanted.items()) and "<" not in f["name"]:
                needle = f["name"].lower()
                if sum(needle in f"{g['name']} {g['description']}".lower() for g in stored) == 1:
                    return f
        raise AssertionError(f"no uniquely searchable function with {wanted}")

    return find


@pytest.fixture(scope="session")
def function_with_secret():
    """Find a stored destination with a set secret and at least one plain text input."""

    def find(emulator) -> dict:
        return next(
            f
            for f in emulator.stored_hog_functions(1)
            if f["secret_inputs"]
            and not f["deleted"]
            and f["type"] == "destination"
            and any(isinstance(v.get("value"), str) for v in f["inputs"].values())
        )

    return find
