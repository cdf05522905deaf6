"""Crafted deep links: an id that cannot be PostHog's gets "This link does not point to a
valid …" and no request at all (it once read /api/users/@me with the operator's key)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import ROOT
from tests.markdown import unescape

CASES = [
    ("pages/hog-functions.py", "../../users/@me", "hog function"),
    ("pages/hog-functions.py", "<script>alert(1)</script>", "hog function"),
    ("pages/batch-exports.py", "../dashboards", "batch export"),
    ("pages/batch-exports.py", "..%2Fdashboards", "batch export"),
    ("pages/dashboards.py", "1/../../users/@me", "dashboard"),
    ("pages/insights.py", "../../users/@me", "insight"),
]


@pytest.mark.parametrize("page,bad,what", CASES)
def test_crafted_id_is_refused_without_a_request(connect_env, page, bad, what):
    at = AppTest.from_file(str(ROOT / page), default_timeout=60)
    at.query_params["id"] = bad
    connect_env.clear_requests()
    at.run()
    assert not at.exception
    shown = " ".join(unescape(e.value) for e in at.error)
    assert f"This link does not point to a valid {what}" in shown
    reached = [r.path for r in connect_env.requests]
    assert not any("/users/" in p or bad.split("/")[0] in p.split("/api/")[-1] for p in reached)
    assert not any(what.replace(" ", "_") in p and "/../" in p for p in reached)
