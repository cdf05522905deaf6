"""The configuration form of functions with integration inputs (Slack's workspace, HubSpot's
connection, Pub/Sub's service account) under AppTest, against the emulator: untouched forms
show no change, a rename saves, and an integration id always goes out as an integer."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from emulator.routes import SCOPE_OBJECTS
from emulator.server import Key
from services import PostHogClient
from tests.markdown import unescape

# the forms of a batch of functions, one after another: one AppTest per function, or every
# form in one run, is far too slow for 300 functions
BATCH = 25
EVERY_FORM = f"""
import streamlit as st
from components.hog_functions import config_form
from components.shared.connection import get_client
client = get_client()
start = st.session_state["start"]
for function in st.session_state["functions"][start : start + {BATCH}]:
    config_form.render(client, function, key="every")
"""
FORM = """
import streamlit as st
from components.shared import data
from components.hog_functions import config_form
from components.shared.connection import get_client
client = get_client()
st.session_state["config"] = config_form.render(
    client, data.hog_function(client, st.session_state["function_id"]), key="f"
)
"""


def _client(emulator) -> PostHogClient:
    return PostHogClient(host=emulator.url, api_key=emulator.demo_key, project_id=1)


def _stored(emulator, template_id: str) -> dict:
    return next(
        f
        for f in emulator.stored_hog_functions(1)
        if (f["template"] or {}).get("id") == template_id and not f["deleted"]
    )


def _patches(emulator) -> list:
    return [r for r in emulator.requests if r.method == "PATCH"]


def _save(at: AppTest) -> None:
    at.button(key=next(b.key for b in at.button if b.key.endswith("_save"))).click().run()
    at.button(key="hf_confirm_save").click().run()


def _texts(at: AppTest) -> str:
    return unescape(" ".join(m.value for m in [*at.markdown, *at.caption, *at.warning]))


def test_every_seeded_form_opens_with_no_unsaved_change(connect_env, run_script):
    client = _client(connect_env)
    functions = [client.hog_functions.get(f.id) for f in client.hog_functions.list()]
    assert len(functions) > 200
    assert sum(1 for f in functions if "integration" in str(f.inputs_schema)) > 20
    connect_env.clear_requests()
    at = run_script(EVERY_FORM, functions=functions, start=0)
    for start in range(0, len(functions), BATCH):
        if start:
            at.session_state["start"] = start
            at.run()
        shown = functions[start : start + BATCH]
        assert not at.exception
        assert "unsaved change" not in " ".join(m.value for m in at.markdown), start
        assert not at.warning  # no field held back before sending either
        no_change = [c for c in at.caption if c.value == "No unsaved changes."]
        assert len(no_change) == len(shown), [f.name for f in shown]
    assert not _patches(connect_env)


def test_the_integration_shows_read_only_and_a_rename_of_a_slack_destination_saves(
    connect_env, run_script
):
    slack = _stored(connect_env, "template-slack")
    at = run_script(FORM, function_id=slack["id"])
    assert "slack: Hedgebox workspace (#23)" in _texts(at)  # by name, from the integrations
    assert not [n for n in at.number_input if n.key.endswith("_in_slack_workspace")]
    channel = next(t for t in at.text_input if t.key.endswith("_in_channel"))
    assert channel.value == slack["inputs"]["channel"]["value"]
    assert "No unsaved changes." in _texts(at)
    next(t for t in at.text_input if t.key.endswith("_name")).input("Slack renamed").run()
    assert "1 unsaved change" in _texts(at)
    connect_env.clear_requests()
    _save(at)
    assert not at.exception and not at.error
    (patch,) = _patches(connect_env)
    assert patch.json == {"name": "Slack renamed"}
    stored = connect_env.stored_hog_function(slack["id"])
    assert stored["name"] == "Slack renamed" and stored["inputs"] == slack["inputs"]


def test_a_new_channel_saves_with_the_workspace_id_as_an_integer(connect_env, run_script):
    slack = _stored(connect_env, "template-slack")
    at = run_script(FORM, function_id=slack["id"])
    next(t for t in at.text_input if t.key.endswith("_in_channel")).input("C0NEW|#launches").run()
    assert at.session_state["config"]["inputs"]["slack_workspace"] == {"value": 23}
    connect_env.clear_requests()
    _save(at)
    assert not at.error
    (patch,) = _patches(connect_env)
    assert patch.json["inputs"]["slack_workspace"] == {"value": 23}
    assert patch.json["inputs"]["channel"] == {"value": "C0NEW|#launches"}
    assert patch.json["inputs"]["blocks"]["value"] == slack["inputs"]["blocks"]["value"]
    assert connect_env.stored_hog_function(slack["id"])["inputs"]["channel"]["value"] == (
        "C0NEW|#launches"
    )


def _one_change_saved(at: AppTest, emulator):
    """The form says one unsaved change; saving it sends one PATCH, accepted."""
    assert "1 unsaved change" in _texts(at)
    emulator.clear_requests()
    _save(at)
    assert not at.error
    (patch,) = _patches(emulator)
    return patch


def test_another_integration_picked_is_sent_as_an_integer(connect_env, run_script):
    slack = _stored(connect_env, "template-slack")
    at = run_script(FORM, function_id=slack["id"])
    next(c for c in at.checkbox if c.key.endswith("_in_slack_workspace_change")).check().run()
    assert "No unsaved changes." in _texts(at)  # nothing picked yet
    picker = next(s for s in at.selectbox if s.key.endswith("_in_slack_workspace"))
    assert picker.options == ["Hedgebox workspace (#23)", "Hedgebox Ops workspace (#24)"]
    picker.set_value(24).run()
    patch = _one_change_saved(at, connect_env)
    assert patch.json["inputs"]["slack_workspace"] == {"value": 24}
    assert connect_env.stored_hog_function(slack["id"])["inputs"]["slack_workspace"]["value"] == 24


def test_a_key_without_integration_read_still_sees_and_sets_the_id(
    connect_env, run_script, monkeypatch
):
    scopes = {f"{o}:write" for o in SCOPE_OBJECTS if o != "integration"}
    connect_env.keys["phx_no_integrations"] = Key(scopes)
    monkeypatch.setenv("POSTHOG_PERSONAL_API_KEY", "phx_no_integrations")
    hubspot = _stored(connect_env, "template-hubspot")
    at = run_script(FORM, function_id=hubspot["id"])
    assert "hubspot: integration #31" in _texts(at)
    next(c for c in at.checkbox if c.key.endswith("_in_oauth_change")).check().run()
    assert "could not be listed" in _texts(at) and "integration:read" in _texts(at)
    next(n for n in at.number_input if n.key.endswith("_in_oauth")).set_value(44).run()
    patch = _one_change_saved(at, connect_env)
    assert patch.json["inputs"]["oauth"] == {"value": 44}
    assert isinstance(patch.json["inputs"]["properties"]["value"], dict)
    assert connect_env.stored_hog_function(hubspot["id"])["inputs"]["oauth"]["value"] == 44


FORM_AND_TEST = """
import streamlit as st
from components.shared import data
from components.hog_functions import config_form, invocation_test
from components.shared.connection import get_client
client = get_client()
function_id = st.session_state["function_id"]
config = config_form.render(client, data.hog_function(client, function_id), key="f")
invocation_test.render(
    client, function_id=function_id, configuration=config, function_type=config["type"], key="t"
)
"""


def test_a_slack_destination_can_be_test_run(connect_env, run_script):
    slack = _stored(connect_env, "template-slack")
    at = run_script(FORM_AND_TEST, function_id=slack["id"])
    connect_env.clear_requests()
    at.button(key="t_run").click().run()
    assert not at.exception and not at.error
    (sent,) = [r for r in connect_env.requests if r.path.endswith("/invocations/")]
    inputs = sent.json["configuration"]["inputs"]
    assert inputs["slack_workspace"] == {"value": 23}
    assert inputs["blocks"]["value"] == slack["inputs"]["blocks"]["value"]
    assert "Success" in at.success[0].value
