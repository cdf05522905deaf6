"""The emulator's route table: each pattern is reached by its own paths (literal segments before
parameters), a known path with another method is PostHog's 405 (scoped keys are refused first),
and users/@me names the organisation membership level as PostHog does."""

from __future__ import annotations

import re

import pytest
import requests

from emulator.routes import ROUTES
from emulator.routing import match


@pytest.fixture
def api(emulator):
    def call(method, path, *, key=None, **kwargs):
        headers = {"Authorization": f"Bearer {key or emulator.demo_key}"}
        return requests.request(method, emulator.url + path, headers=headers, timeout=10, **kwargs)

    return call


def _example(pattern: str) -> str:
    """A concrete path of `pattern`: every parameter becomes a value no literal segment has."""
    path = pattern.replace("{team}", "1")
    return re.sub(r"\{(\w+)\}", lambda m: f"x-{m.group(1)}", path)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{'/'.join(r.methods)} {r.pattern}")
def test_each_pattern_is_reached_by_its_own_paths(route):
    routes, params = match(ROUTES, _example(route.pattern))
    assert {r.pattern for r in routes} == {route.pattern}
    assert route in routes
    assert all(value.startswith("x-") for name, value in params.items() if name != "team")


def test_literal_segments_win_over_parameters():
    assert match(ROUTES, "/api/projects/1/hog_functions/icons")[0][0].handler.__name__ == "icons"
    invoke_new = match(ROUTES, "/api/projects/1/hog_functions/new/invocations")[0][0]
    assert invoke_new.handler.__name__ == "invoke_new"
    assert match(ROUTES, "/api/environments/@current/insights/trending")[0][0].handler.__name__ == (
        "trending"
    )


def test_no_two_routes_answer_the_same_method_and_pattern():
    pairs = [(m, r.pattern) for r in ROUTES for m in r.methods]
    assert len(pairs) == len(set(pairs))


def test_a_known_path_with_another_method_is_405_and_an_unknown_path_404(api, emulator):
    refused = api("DELETE", "/api/projects/1/hog_functions/")
    assert refused.status_code == 405
    assert refused.json() == {
        "type": "invalid_request",
        "code": "method_not_allowed",
        "detail": 'Method "DELETE" not allowed.',
        "attr": None,
    }
    assert api("GET", "/api/environments/@current/insights/viewed").status_code == 405
    assert api("GET", "/api/projects/1/no_such_resource/").json()["detail"] == "Not found."
    assert api("GET", "/api/projects/99/insights/").json()["detail"] == "Project not found."


def test_a_scoped_key_is_refused_an_unsupported_method_before_the_405(api, emulator):
    answer = api("DELETE", "/api/projects/1/hog_functions/", key=emulator.readonly_key)
    assert answer.status_code == 403
    assert answer.json()["detail"] == "This action does not support Personal API Key access"


def test_trailing_slashes_and_the_environments_alias_reach_the_same_route(api):
    plain = api("GET", "/api/projects/1/batch_exports")
    aliased = api("GET", "/api/environments/@current/batch_exports/")
    assert plain.status_code == aliased.status_code == 200
    assert [e["id"] for e in plain.json()["results"]] == [
        e["id"] for e in aliased.json()["results"]
    ]


def test_me_names_the_organisation_membership_level_of_a_plain_member(api):
    me = api("GET", "/api/users/@me/").json()
    assert me["first_name"] == "Ada"
    assert me["organization"]["membership_level"] == 1  # 1 member, 8 admin, 15 owner
