"""Bulk actions under AppTest against the emulator: the preview says what will change and what
is skipped, the batch sends one write per changing item, and the journal holds one batch."""

from __future__ import annotations

import os

from services.journal import Entry, Journal

LIST = """
from components.hog_functions import function_list
from components.shared.connection import get_client
function_list.render(get_client())
"""


def _journal() -> Journal:
    return Journal(os.environ["POSTHOG_CONSOLE_JOURNAL_URL"])


def _table(at, column: str):
    """The table that has `column` (AppTest does not expose a dataframe's key)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _live(emulator, **match) -> list[dict]:
    return [
        f
        for f in emulator.stored_hog_functions(1)
        if not f["deleted"] and all(f.get(k) == v for k, v in match.items())
    ]


def test_bulk_disable_previews_skips_and_sends_one_patch_per_enabled_function(
    connect_env, run_script
):
    at = run_script(LIST)
    at.multiselect(key="hf_list_types").set_value(["destination"]).run()
    matching = _live(connect_env, type="destination")
    enabled = {f["id"] for f in matching if f["enabled"]}
    assert enabled and len(enabled) < len(matching)  # some are already off
    at.checkbox(key="hf_list_bulk_all").check().run()
    before = len(connect_env.requests)
    at.button(key="hf_list_bulk_disable_Disable").click().run()

    preview = at.get("dialog")  # nothing is sent before the operator confirms
    assert preview
    assert len(connect_env.requests) == before
    skipped = len(matching) - len(enabled)
    assert any(
        f"**{len(enabled)}** will change" in m.value
        and f"**{skipped}** skipped: Already disabled ({skipped})" in m.value
        for m in at.markdown
    )
    assert set(_table(at, "Why")["Why"]) == {"Already disabled"}
    at.button(key="bulk_preview_confirm").click().run()

    patches = [r for r in connect_env.requests[before:] if r.method == "PATCH"]
    assert sorted(p.path.split("/")[-2] for p in patches) == sorted(enabled)
    assert all(p.json == {"enabled": False} for p in patches)
    assert not _live(connect_env, type="destination", enabled=True)

    results = _table(at, "Journal entry")
    assert sorted(results["Outcome"]) == sorted(["done"] * len(enabled) + ["skipped"] * skipped)
    entries = _journal().entries()  # one batch, one entry per item
    assert len(entries) == len(matching)
    assert len({e.batch_id for e in entries}) == 1 and entries[0].batch_id
    assert {e.object_id for e in entries if e.outcome == "done"} == enabled
    skipped_entries = [e for e in entries if e.outcome == "skipped"]
    assert {e.object_id for e in skipped_entries} == {f["id"] for f in matching} - enabled
    assert {e.reason for e in skipped_entries} == {"Already disabled"}


def test_bulk_delete_asks_for_the_count_and_a_trimmed_item_is_left_alone(connect_env, run_script):
    at = run_script(LIST)
    at.multiselect(key="hf_list_types").set_value(["transformation"]).run()
    matching = _live(connect_env, type="transformation")
    at.checkbox(key="hf_list_bulk_all").check().run()
    at.button(key="hf_list_bulk_delete_Delete").click().run()
    assert at.button(key="bulk_preview_confirm").disabled  # the count is not typed yet
    at.text_input(key="bulk_preview_count").input("1").run()
    assert at.button(key="bulk_preview_confirm").disabled
    at.text_input(key="bulk_preview_count").input(str(len(matching))).run()
    assert not at.button(key="bulk_preview_confirm").disabled
    at.button(key="bulk_preview_cancel").click().run()  # a new preview asks again
    at.button(key="hf_list_bulk_delete_Delete").click().run()
    assert at.text_input(key="bulk_preview_count").value == ""
    assert at.button(key="bulk_preview_confirm").disabled
    at.text_input(key="bulk_preview_count").input(str(len(matching))).run()
    at.button(key="bulk_preview_confirm").click().run()
    assert not _live(connect_env, type="transformation")
    assert {e.outcome for e in _journal().entries()} == {"done"}
    assert len(_journal().entries()) == len(matching)


JOURNAL = """
from components.console import journal
from components.shared.connection import get_client
journal.render(get_client())
"""


def test_undoing_a_batch_from_the_journal_re_enables_exactly_what_it_disabled(
    connect_env, run_script
):
    at = run_script(LIST)
    at.multiselect(key="hf_list_types").set_value(["destination"]).run()
    already_off = {f["id"] for f in _live(connect_env, type="destination", enabled=False)}
    at.checkbox(key="hf_list_bulk_all").check().run()
    at.button(key="hf_list_bulk_disable_Disable").click().run()
    at.button(key="bulk_preview_confirm").click().run()
    batch = _journal().entries()
    disabled = {e.object_id for e in batch if e.outcome == "done"}

    page = run_script(JOURNAL, journal_picked=batch[0].id)
    undo = page.button(key="journal_undo_batch")
    assert undo.label == f"Undo the whole batch ({len(disabled)} of {len(batch)} entries)"
    before = len(connect_env.requests)
    undo.click().run()
    assert len(connect_env.requests) == before  # a preview first
    assert any(
        f"**{len(disabled)}** will change" in m.value
        and f"skipped: Nothing to undo, it was skipped ({len(already_off)})" in m.value
        for m in page.markdown
    )
    page.button(key="bulk_preview_confirm").click().run()

    patches = [r for r in connect_env.requests[before:] if r.method == "PATCH"]
    assert sorted(p.path.split("/")[-2] for p in patches) == sorted(disabled)
    assert all(p.json == {"enabled": True} for p in patches)
    assert {f["id"] for f in _live(connect_env, type="destination", enabled=False)} == already_off
    undos = [e for e in _journal().entries() if e.undoes and e.outcome == "done"]
    assert {e.undoes for e in undos} == {e.id for e in batch if e.outcome == "done"}
    assert len({e.batch_id for e in undos}) == 1 and undos[0].batch_id != batch[0].batch_id

    # a second undo of the same batch has nothing left to reverse
    page = run_script(JOURNAL, journal_picked=batch[0].id)
    assert page.button(key="journal_undo_batch").disabled


def test_bulk_enable_stops_at_posthogs_cap_of_20_enabled_transformations(connect_env, run_script):
    transformations = _live(connect_env, type="transformation")
    on = sum(f["enabled"] for f in transformations)
    off = len(transformations) - on
    room = 20 - on
    assert 0 < room < off  # the seed leaves room for some, not all
    at = run_script(LIST)
    at.multiselect(key="hf_list_types").set_value(["transformation"]).run()
    at.checkbox(key="hf_list_bulk_all").check().run()
    at.button(key="hf_list_bulk_enable_Enable").click().run()
    cap = "PostHog allows 20 enabled transformations per project"
    assert any(
        f"**{room}** will change" in m.value
        and f"Already enabled ({on})" in m.value
        and f"{cap} ({off - room})" in m.value
        for m in at.markdown
    )
    before = len(connect_env.requests)
    at.button(key="bulk_preview_confirm").click().run()
    patches = [r for r in connect_env.requests[before:] if r.method == "PATCH"]
    assert len(patches) == room and all(p.json == {"enabled": True} for p in patches)
    assert len(_live(connect_env, type="transformation", enabled=True)) == 20

    # one more, switched on by hand, is refused by PostHog in its own words
    names = [f["name"].lower() for f in _live(connect_env)]
    left = next(
        f
        for f in _live(connect_env, type="transformation", enabled=False)
        if sum(f["name"].lower() in n for n in names) == 1  # a search finds only it
    )
    at = run_script(LIST)
    at.text_input(key="hf_list_search").input(left["name"]).run()
    next(t for t in at.toggle if t.key.startswith(f"hf_list_switch_{left['id']}")).set_value(
        True
    ).run()
    error = next(e.value for e in at.error if "Maximum of 20" in e.value)
    assert "type:" not in error and error.startswith("Could not enable function")


def test_a_run_cut_off_after_an_items_write_takes_its_outcome_from_the_journal(
    connect_env, run_script
):
    """Streamlit may stop a run between an item's journal record and the run keeping its
    result: the next run must not note that item again, nor send it twice."""
    from components.hog_functions import actions
    from components.shared import bulk
    from services.models import HogFunction

    first, second = (
        HogFunction.model_validate(f)
        for f in _live(connect_env, type="destination", enabled=True)[:2]
    )
    items = [bulk.Item(actions.DISABLE.key, actions.target(f)) for f in (first, second)]
    batch = bulk._Run("b" * 32, "Disable function: 2 selected", items, stop_asked=True)
    book = _journal()
    done = book.begin(
        Entry(
            user="local",
            host=connect_env.url,
            project_id="1",
            action="Disable function",
            action_key=actions.DISABLE.key,
            resource="hog_function",
            object_id=first.id,
            object_name=first.name,
            batch_id=batch.batch_id,
        )
    )
    book.complete(done, outcome="done")  # the write and its record happened; the run was cut off
    before = len(connect_env.requests)
    at = run_script("", **{bulk.RUN: batch})
    assert not at.exception
    results = _table(at, "Journal entry")
    assert list(results["Outcome"]) == ["done", "not sent (stopped)"]
    assert results["Journal entry"].iloc[0] == f"#{done}"
    entries = book.entries(batch_id=batch.batch_id)
    assert sorted((e.object_id, e.outcome) for e in entries) == sorted(
        [(first.id, "done"), (second.id, "skipped")]
    )
    assert [r for r in connect_env.requests[before:] if r.method != "GET"] == []
