"""Shared fixtures: a real emulator over loopback for every test that talks HTTP."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

from emulator import Emulator
from services import PostHogClient, breaker, ratelimit


@pytest.fixture(autouse=True)
def fresh_connections():
    """Breakers and rate limiters are process-wide per host + key: a later test's emulator
    may get an earlier one's port, and must not inherit its open breaker or 429 pause."""
    yield
    breaker._registry.clear()
    ratelimit._registry.clear()


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


# --- a throwaway PostgreSQL cluster -----------------------------------------------------------

TRUE_WORDS = ("1", "true", "yes", "on")


def _postgres_bin() -> Path | None:
    """Debian's server binaries (`bin/setup --dev` installs them), the newest version."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresCluster:
    """initdb in a temp directory and pg_ctl on a free loopback port. PostgreSQL refuses to
    run as root, so as root the cluster belongs to the `postgres` (or `nobody`) user."""

    USER = "console"

    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.as_user: list[str] = []
        owner = None
        if os.geteuid() == 0:
            name = next(n for n in ("postgres", "nobody") if _user_exists(n))
            owner = pwd.getpwnam(name)
            self.as_user = ["runuser", "-u", name, "--"]
        # not under pytest's tmp dir: that is private to root, and the server must read it
        self.dir = Path(tempfile.mkdtemp(prefix="console-postgres-"))
        if owner is not None:
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
        self.data = self.dir / "data"
        self.port = 0

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        env = {"PATH": os.environ.get("PATH", ""), "LC_ALL": "C", "LANG": "C"}
        return subprocess.run(
            [*self.as_user, *args],
            env=env,
            cwd=self.dir,
            capture_output=True,
            text=True,
            timeout=120,
            check=check,
        )

    def start(self) -> str:
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            self.USER,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        )
        for _attempt in range(5):  # the port can be taken between choosing and binding
            self.port = _free_port()
            options = (
                f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} "
                "-c fsync=off -c full_page_writes=off -c max_connections=50"
            )
            started = self._run(
                str(self.bin / "pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.dir / "server.log"),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
                check=False,
            )
            if started.returncode == 0:
                break
        else:
            log = (self.dir / "server.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"PostgreSQL did not start: {started.stderr}\n{log}")
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=self.USER, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute("CREATE DATABASE journal")
        return f"postgresql+psycopg://{self.USER}@127.0.0.1:{self.port}/journal"

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(
                str(self.bin / "pg_ctl"),
                "-D",
                str(self.data),
                "-m",
                "immediate",
                "stop",
                check=False,
            )
        shutil.rmtree(self.dir, ignore_errors=True)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@pytest.fixture(scope="session")
def postgres_url():
    """A real PostgreSQL for the session: `postgresql+psycopg://console@127.0.0.1:PORT/journal`.
    Missing PostgreSQL fails in CI (`CI=true`) and skips elsewhere, saying how to install it."""
    bin_dir = _postgres_bin()
    if bin_dir is None:
        why = (
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run bin/setup --dev"
        )
        if os.environ.get("CI", "").strip().lower() in TRUE_WORDS:
            pytest.fail(why)
        pytest.skip(why)
    cluster = PostgresCluster(bin_dir)
    try:
        yield cluster.start()
    finally:
        cluster.stop()


@pytest.fixture
def fresh_postgres_url(postgres_url):
    """A new, empty database on the session's PostgreSQL, for one test."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(postgres_url)
    name = f"journal_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(
        host=url.host, port=url.port, user=url.username, dbname=url.database, autocommit=True
    ) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)
