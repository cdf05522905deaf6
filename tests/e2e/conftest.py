"""Browser tests: `streamlit run app.py` driven by Playwright in Debian's headless Chromium.

Chromium must be installed (bin/test installs it with apt-get). A missing browser fails the
run rather than skipping it: browser tests must run in CI.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect, sync_playwright

from emulator import Emulator

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _stop(proc: subprocess.Popen, log) -> None:
    """End a server the tests started, and close its log."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class StreamlitServer:
    """`streamlit run app.py` on a free loopback port, with the given PostHog settings."""

    def __init__(self, posthog_env: dict[str, str] | None):
        (ROOT / "test-artifacts").mkdir(exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("POSTHOG_")}
        env.update(posthog_env or {})
        # each server keeps its own journal, never the developer's data/journal.sqlite3
        artifacts = ROOT / "test-artifacts"
        self.journal_url = env.setdefault(
            "POSTHOG_CONSOLE_JOURNAL_URL", f"sqlite:///{artifacts}/journal-{self.port}.db"
        )
        self.log = open(ROOT / "test-artifacts" / f"streamlit-{self.port}.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.headless",
                "true",
                "--server.address",
                "127.0.0.1",
                "--server.port",
                str(self.port),
                "--server.fileWatcherType",
                "none",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited early; see {self.log.name}")
            try:
                if requests.get(f"{self.url}/_stcore/health", timeout=1).text == "ok":
                    return
            except requests.RequestException:
                pass
            time.sleep(0.25)
        self.stop()
        raise RuntimeError("streamlit did not become healthy in 60 s")

    def stop(self) -> None:
        _stop(self.proc, self.log)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run bin/test, which installs it")
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        page.screenshot(path=str(ROOT / "test-artifacts" / f"{request.node.name}.png"))
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def _wait_for_app(page: Page) -> None:
    """Wait until the script run triggered by the last action has finished."""
    page.wait_for_timeout(200)
    app = page.locator("[data-testid='stApp']")
    # a first load may fetch 7-day totals for hundreds of functions
    expect(app).to_have_attribute("data-test-connection-state", "CONNECTED", timeout=60_000)
    expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=60_000)
    page.wait_for_timeout(100)


def _open_detail(page: Page, server, view: str, object_id, tab: str | None = None):
    """Deep-link to one object's page (`/<view>?id=<object_id>`), optionally on a tab; the
    main area."""
    page.goto(f"{server.url}/{view}?id={object_id}")
    _wait_for_app(page)
    main = page.get_by_test_id("stMain")
    if tab:
        main.get_by_role("tab", name=tab).click()
        _wait_for_app(page)
    return main


@pytest.fixture(scope="session")
def open_detail():
    return _open_detail


def _pick_function(page: Page, server, name: str):
    """Open the hog functions list, search for `name` (which finds only it) and return the
    picked row's action bar (its name, switch and "Open details")."""
    page.goto(f"{server.url}/hog-functions")
    _wait_for_app(page)
    search = page.locator("input[aria-label='Search']")
    search.fill(name)
    search.press("Enter")
    _wait_for_app(page)
    actions = page.locator(".st-key-hf_list_actions")
    expect(actions).to_contain_text(name)
    return actions


@pytest.fixture(scope="session")
def pick_function():
    return _pick_function


def _open_bulk_preview(page: Page, emu, bar_key: str, select_all: str, button: str):
    """Tick "Select all …" in a bulk bar (`.st-key-<bar_key>`), press one of its actions and
    return the preview dialog, having checked nothing was sent to PostHog."""
    bar = page.locator(f".st-key-{bar_key}")
    bar.get_by_text(select_all).click()
    _wait_for_app(page)
    emu.clear_requests()
    bar.get_by_role("button", name=button).click()
    _wait_for_app(page)
    preview = page.get_by_role("dialog")
    expect(preview).to_be_visible()
    assert not [r for r in emu.requests if r.method != "GET"]  # nothing sent before confirming
    return preview


def _confirm_bulk(page: Page, preview, button: str):
    """Confirm a bulk preview and return the run's panel once the run has finished."""
    preview.get_by_role("button", name=button).click()
    run = page.locator(".st-key-bulk_run")
    expect(run).to_contain_text("Finished.", timeout=90_000)
    _wait_for_app(page)
    return run


@pytest.fixture(scope="session")
def bulk_preview():
    """(open, confirm): a bulk action's preview over everything listed, then its run."""
    return _open_bulk_preview, _confirm_bulk


@pytest.fixture(scope="module")
def connected(start_streamlit):
    """An emulator and `streamlit run app.py` connected to it through POSTHOG_*."""
    with Emulator(port=0) as emulator:
        yield emulator, start_streamlit(emulator)


@pytest.fixture(scope="module")
def emu(connected):
    """The emulator behind `connected`."""
    return connected[0]


@pytest.fixture(scope="module")
def server(connected):
    """The `streamlit run app.py` behind `connected`."""
    return connected[1]


@pytest.fixture(scope="session")
def wait_for_app():
    return _wait_for_app


@pytest.fixture(scope="module")
def start_streamlit():
    """Start `streamlit run app.py`; an emulator given sets the POSTHOG_* variables, none
    starts it in demo mode. Servers stop when the module ends."""
    servers = []

    def start(emulator=None) -> StreamlitServer:
        env = None
        if emulator is not None:
            env = {
                "POSTHOG_HOST": emulator.url,
                "POSTHOG_PERSONAL_API_KEY": emulator.demo_key,
                "POSTHOG_PROJECT_ID": str(emulator.project_id),
            }
        servers.append(StreamlitServer(env))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


# --- sign-in: a real OpenID Connect provider, and a console whose [auth] points at it ----------


class OidcProvider:
    """oidc-provider-mock on a free loopback port: a real OpenID Connect provider whose login
    form signs in whoever's `sub` is typed into it. `users` are its known users with their
    ID-token claims (e-mail, name, groups); anyone else typed in gets `email = sub`."""

    def __init__(self, users: list[dict]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(ROOT / "test-artifacts" / f"oidc-{self.port}.log", "w")  # noqa: SIM115
        args = [sys.executable, "-m", "oidc_provider_mock", "--port", str(self.port)]
        for user in users:
            args += ["--user-claims", json.dumps(user)]
        # the provider refuses plain http unless told it is a test
        env = {**os.environ, "AUTHLIB_INSECURE_TRANSPORT": "1"}
        self.proc = subprocess.Popen(args, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"oidc-provider-mock exited early; see {self.log.name}")
            try:
                if requests.get(f"{self.url}{OidcProvider.METADATA}", timeout=1).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("oidc-provider-mock did not answer in 30 s")

    METADATA = "/.well-known/openid-configuration"

    def stop(self) -> None:
        _stop(self.proc, self.log)


def _toml(value) -> str:
    """A TOML value for strings, booleans and lists of strings (JSON writes them alike)."""
    return json.dumps(value)


@pytest.fixture(scope="module")
def start_signed_in_streamlit(start_streamlit, tmp_path_factory):
    """Start an OpenID Connect provider with `users`, and `streamlit run app.py` against the
    emulator with its own secrets.toml: `[auth]` pointing at the provider and `roles` as
    `[console.roles]`. The console's `url` uses the host name of its `redirect_uri`
    (localhost), or the browser would drop the sign-in cookie."""
    providers = []

    def start(emulator, users: list[dict], roles: dict) -> tuple[StreamlitServer, OidcProvider]:
        provider = OidcProvider(users)
        providers.append(provider)
        secrets = tmp_path_factory.mktemp("secrets") / "secrets.toml"
        auth = {
            "redirect_uri": "http://localhost:{port}/oauth2callback",
            "cookie_secret": "a cookie secret only these tests use",
            "client_id": "posthog-console",
            "client_secret": "posthog-console-secret",
            "server_metadata_url": f"{provider.url}{OidcProvider.METADATA}",
        }
        lines = ["[auth]", *(f"{k} = {_toml(v)}" for k, v in auth.items()), "", "[console.roles]"]
        lines += [f"{k} = {_toml(v)}" for k, v in roles.items()]
        secrets.write_text("\n".join(lines) + "\n")
        # Streamlit's secrets.files option, for this server only (it copies the environment)
        before = os.environ.get("STREAMLIT_SECRETS_FILES")
        os.environ["STREAMLIT_SECRETS_FILES"] = str(secrets)
        try:
            server = start_streamlit(emulator)
        finally:
            if before is None:
                del os.environ["STREAMLIT_SECRETS_FILES"]
            else:
                os.environ["STREAMLIT_SECRETS_FILES"] = before
        server.url = server.url.replace("127.0.0.1", "localhost")
        return server, provider

    yield start
    for provider in providers:
        provider.stop()
