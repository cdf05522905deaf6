"""The console's own settings: where the journal is kept, whether writes are forbidden, and
how long a page waits for a fan-out of reads.

Each comes from the environment first, then `.streamlit/secrets.toml`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_JOURNAL = ROOT / "data" / "journal.sqlite3"
TRUE_WORDS = ("1", "true", "yes", "on")


def _secret(section: str, key: str) -> Any:
    try:
        return (st.secrets.get(section) or {}).get(key)
    except (StreamlitSecretNotFoundError, FileNotFoundError):
        return None


def journal_url() -> str:
    """`POSTHOG_CONSOLE_JOURNAL_URL`, `[journal] url`, or an SQLite file under `data/`."""
    return (
        os.environ.get("POSTHOG_CONSOLE_JOURNAL_URL")
        or _secret("journal", "url")
        or f"sqlite:///{DEFAULT_JOURNAL}"
    )


def read_only_forced() -> bool:
    """Audit mode set by the deployment: `POSTHOG_CONSOLE_READ_ONLY=1` or `[console]
    read_only = true`. No operator can switch it off."""
    if os.environ.get("POSTHOG_CONSOLE_READ_ONLY", "").strip().lower() in TRUE_WORDS:
        return True
    value = _secret("console", "read_only")
    return value is True or str(value).strip().lower() in TRUE_WORDS


AUDIT_MODE = "audit_mode"  # this browser session's own switch, in the sidebar


def audit_mode_on() -> bool:
    """Nothing can be changed: forced by the deployment, or chosen for this session."""
    return read_only_forced() or bool(st.session_state.get(AUDIT_MODE, False))


DEFAULT_FAN_OUT_DEADLINE = 30.0


def fan_out_deadline() -> float:
    """Seconds a page waits for one read per item (the per-function totals fallback, export
    runs, the sharing audit) before marking the rest "not loaded":
    `POSTHOG_CONSOLE_FANOUT_DEADLINE` or `[console] fanout_deadline`, 30 by default."""
    value = os.environ.get("POSTHOG_CONSOLE_FANOUT_DEADLINE") or _secret(
        "console", "fanout_deadline"
    )
    try:
        seconds = float(value) if value not in (None, "") else DEFAULT_FAN_OUT_DEADLINE
    except (TypeError, ValueError):
        return DEFAULT_FAN_OUT_DEADLINE
    return seconds if seconds > 0 else DEFAULT_FAN_OUT_DEADLINE
