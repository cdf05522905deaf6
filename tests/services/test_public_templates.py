"""PostHog's public template catalogue, read when the key may not read the project's own."""

from __future__ import annotations

from emulator.server import Key


def test_the_projects_templates_come_first_and_include_its_hidden_ones(client, emulator):
    templates = client.hog_function_templates.list(types=["destination"])
    assert templates.public_because is None
    assert "template-internal-pager" in {t.id for t in templates}  # hidden, shown to the project
    assert [r.path for r in emulator.requests][-1].endswith("/hog_function_templates/")


def test_a_refused_key_reads_the_public_catalogue_and_says_why(client_for, emulator):
    emulator.keys["phx_insights_only"] = Key({"insight:read"})
    client = client_for("phx_insights_only")
    emulator.clear_requests()
    templates = client.hog_function_templates.list(types=["destination"])
    ids = {t.id for t in templates}
    assert "template-slack" in ids and "template-internal-pager" not in ids
    assert {t.type for t in templates} == {"destination"}
    assert "hog_function:read" in templates.public_because
    assert [(r.path, r.status) for r in emulator.requests] == [
        (f"/api/projects/{emulator.project_id}/hog_function_templates/", 403),
        ("/api/public_hog_function_templates/", 200),
    ]
    assert emulator.requests[-1].query["types"] == ["destination"]


def test_the_public_catalogue_lists_the_asked_types(client):
    transformations = client.hog_function_templates.public(types=["transformation"])
    assert transformations and {t.type for t in transformations} == {"transformation"}
    assert "template-geoip" in {t.id for t in transformations}
