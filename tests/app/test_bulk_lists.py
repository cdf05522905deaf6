"""Bulk actions of the batch exports, insights and dashboards lists under AppTest against the
emulator: the preview counts what changes and what is skipped and why, the batch sends exactly
one write per changing item with the right body and nothing for the skipped ones, and the
journal holds them as one batch."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from emulator.analytics import live_insights, stored_dashboard, stored_dashboards
from services import PostHogClient
from services.batch_exports import missed_while_paused
from services.journal import Journal
from tests.app.ticks import tick
from tests.markdown import unescape

EXPORTS = """
from components.batch_exports import export_list
from components.shared.connection import get_client
export_list.render(get_client())
"""
INSIGHTS = """
from components.insights import insight_list
from components.shared.connection import get_client
insight_list.render(get_client())
"""
DASHBOARDS = """
from components.dashboards import dashboard_list
from components.shared.connection import get_client
dashboard_list.render(get_client())
"""


def _entries() -> list:
    return Journal(os.environ["POSTHOG_CONSOLE_JOURNAL_URL"]).entries()


def _batch() -> dict[str, set]:
    """The journal's one batch (every entry shares one batch id): outcome → object ids; and
    the reasons of the skipped ones under "why skipped"."""
    entries = _entries()
    batches = {e.batch_id for e in entries}
    assert len(batches) == 1 and None not in batches, batches
    found: dict[str, set] = {"why skipped": {e.reason for e in entries if e.outcome == "skipped"}}
    for e in entries:
        found.setdefault(e.outcome, set()).add(e.object_id)
    return found


def _table(at, column: str):
    """The table that has `column` (AppTest does not expose a dataframe's key)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _counts(at) -> str:
    """The preview's line of counts ("**9** will change · **3** skipped: …")."""
    return next(unescape(m.value) for m in at.markdown if "will change" in m.value)


def _writes(emulator, since: int) -> list:
    return [r for r in emulator.requests[since:] if r.method != "GET"]


def _preview(at, key: str, choice: str):
    """Tick "Select all N matching the filters" under list `key` and open `choice`'s preview;
    nothing is sent before the operator confirms."""
    if at.checkbox(key=f"{key}_bulk_all").value is False:
        at.checkbox(key=f"{key}_bulk_all").check().run()
    at.button(key=f"{key}_bulk_{choice}").click().run()
    assert at.get("dialog"), "the preview opens"
    return at


# --- batch exports ---------------------------------------------------------------------------


def _exports(emulator) -> list[dict]:
    return [x for x in emulator.batch_exports.values() if x["team_id"] == 1 and not x["deleted"]]


def _ended(export: dict) -> bool:
    return export["end_at"] is not None and export["end_at"] <= datetime.now(UTC)


def test_bulk_pause_sends_one_pause_per_running_export_and_none_for_paused_ones(
    connect_env, run_script
):
    exports = _exports(connect_env)
    running = {x["id"] for x in exports if not x["paused"]}
    already = {x["id"] for x in exports if x["paused"]}
    paused = len(already)
    assert running and paused
    at = run_script(EXPORTS)
    before = len(connect_env.requests)
    _preview(at, "be_list", "pause_Pause")
    assert not _writes(connect_env, before)
    assert _counts(at) == (
        f"**{len(running)}** will change · **{paused}** skipped: Already paused ({paused})"
    )
    assert set(_table(at, "What will change")["What will change"]) == {
        "Running → paused: stops exporting at the next interval"
    }
    at.button(key="bulk_preview_confirm").click().run()

    writes = _writes(connect_env, before)
    assert all(w.method == "POST" and w.path.endswith("/pause/") for w in writes)
    assert sorted(w.path.split("/")[-3] for w in writes) == sorted(running)
    assert all(x["paused"] for x in _exports(connect_env))
    results = _table(at, "Journal entry")
    assert sorted(results["Outcome"]) == sorted(["done"] * len(running) + ["skipped"] * paused)
    assert _batch() == {
        "done": running,
        "skipped": already,
        "why skipped": {"Already paused"},
    }
    assert {e.action_key for e in _entries()} == {"batch_export.pause"}


def test_bulk_resume_skips_running_and_ended_exports_and_backfills_when_asked(
    connect_env, run_script
):
    exports = _exports(connect_env)
    ended = [x for x in exports if _ended(x)]
    resumable = {x["id"] for x in exports if x["paused"] and not _ended(x)}
    running = [x for x in exports if not x["paused"] and not _ended(x)]
    assert ended and resumable and running
    at = run_script(EXPORTS)
    before = len(connect_env.requests)
    _preview(at, "be_list", "resume_Resume")
    assert _counts(at) == (
        f"**{len(resumable)}** will change · **{len(running) + len(ended)}** skipped: "
        f"Not paused ({len(running)}), The export has ended ({len(ended)})"
    )
    skipped = _table(at, "Why")
    assert set(skipped[skipped["Why"] == "The export has ended"]["Name"]) == {
        x["name"] for x in ended
    }
    changing = _table(at, "What will change")["What will change"]
    assert all(w.startswith("Paused → running from the next interval") for w in changing)
    assert any("missed while paused" in w for w in changing)
    backfill = at.checkbox(key="be_bulk_resume_backfill")
    assert "missed while paused by these" in backfill.label
    backfill.check().run()
    assert not _writes(connect_env, before)
    # the backfill goes with the exports that missed something, not with the others
    listed = PostHogClient(host=connect_env.url, api_key=connect_env.demo_key, project_id=1)
    missed = {
        x.id for x in listed.batch_exports.list() if x.id in resumable and missed_while_paused(x)
    }
    assert missed
    at.button(key="bulk_preview_confirm").click().run()

    writes = _writes(connect_env, before)
    assert sorted(w.path.split("/")[-3] for w in writes if w.path.endswith("/unpause/")) == sorted(
        resumable
    )
    assert {w.path.split("/")[-3]: w.json for w in writes if w.path.endswith("/unpause/")} == {
        i: {"backfill": i in missed} for i in resumable
    }
    assert not [w for w in writes if not w.path.endswith("/unpause/")]
    assert not [x for x in _exports(connect_env) if x["id"] in resumable and x["paused"]]
    journaled = _batch()
    assert journaled["done"] == resumable
    assert journaled["why skipped"] == {"Not paused", "The export has ended"}
    done = [e for e in _entries() if e.outcome == "done"]
    assert {e.object_id for e in done if "backfill_missed_intervals" in e.changes} == missed


def test_bulk_delete_of_exports_asks_for_the_count(connect_env, run_script):
    at = run_script(EXPORTS)
    at.multiselect(key="be_list_states").set_value(["Paused"]).run()
    paused = {x["id"] for x in _exports(connect_env) if x["paused"] and not _ended(x)}
    before = len(connect_env.requests)
    _preview(at, "be_list", "delete_Delete")
    assert "cannot be undone" in _table(at, "What will change")["What will change"].iloc[0]
    assert at.button(key="bulk_preview_confirm").disabled
    at.text_input(key="bulk_preview_count").input(str(len(paused))).run()
    at.button(key="bulk_preview_confirm").click().run()
    writes = _writes(connect_env, before)
    assert sorted((w.method, w.path.split("/")[-2]) for w in writes) == sorted(
        ("DELETE", i) for i in paused
    )
    assert _batch() == {"done": paused, "why skipped": set()}


# --- insights --------------------------------------------------------------------------------


def _insight_patches(emulator, since: int) -> dict[str, dict]:
    """Each insight PATCHed since `since` → the body sent (at most one write each)."""
    writes = _writes(emulator, since)
    assert all(w.method == "PATCH" for w in writes), [(w.method, w.path) for w in writes]
    ids = [w.path.rstrip("/").split("/")[-1] for w in writes]
    assert len(ids) == len(set(ids)), "one write per insight"
    return {i: w.json for i, w in zip(ids, writes, strict=True)}


def test_add_tag_to_every_insight_matching_the_filters_across_pages(connect_env, run_script):
    live = live_insights(connect_env)
    matching = [i for i in live if {"finance", "growth"} & set(i["tags"])]
    lacking = {str(i["id"]): i for i in matching if "finance" not in i["tags"]}
    assert len(matching) > 25 and lacking  # more than one page of 25
    at = run_script(INSIGHTS)
    at.multiselect(key="ins_list_tags").set_value(["finance", "growth"]).run()
    assert len(_table(at, "Short id")) == 25
    at.text_input(key="ins_list_bulk_tag").input("  Finance ").run()  # stored in lower case
    before = len(connect_env.requests)
    _preview(at, "ins_list", "add_tag_Add tag")
    has = len(matching) - len(lacking)
    assert _counts(at) == (
        f"**{len(lacking)}** will change · **{has}** skipped: Already has the tag ({has})"
    )
    assert set(_table(at, "What will change")["What will change"]) == {"Tag “finance” added"}
    at.button(key="bulk_preview_confirm").click().run()

    sent = _insight_patches(connect_env, before)
    assert set(sent) == set(lacking)  # every page's insights, none that had it
    for insight_id, body in sent.items():
        was = lacking[insight_id]
        assert sorted(body["tags"]) == sorted([*was["tags"], "finance"])
        assert body == {"tags": body["tags"], **({} if was["saved"] else {"saved": False})}
    journaled = _batch()
    assert journaled["done"] == set(lacking)
    assert journaled["why skipped"] == {"Already has the tag"}
    done = [e for e in _entries() if e.outcome == "done"]
    assert all(e.undo_params == {"tag": "finance"} for e in done)


def test_remove_tag_from_picked_rows_skips_those_without_it(connect_env, run_script):
    at = run_script(INSIGHTS)
    at.multiselect(key="ins_list_tags").set_value(["kpi", "finance"]).run()
    frame = _table(at, "Short id")
    tagged = [r for r, tags in enumerate(frame["Tags"]) if "kpi" in tags.split(", ")]
    untagged = [r for r, tags in enumerate(frame["Tags"]) if "kpi" not in tags.split(", ")]
    rows = [tagged[0], untagged[0]]
    tick(at, "ins_list_table_1", frame, rows)
    at.text_input(key="ins_list_bulk_tag").input("kpi").run()
    before = len(connect_env.requests)
    at.button(key="ins_list_bulk_remove_tag_Remove tag").click().run()
    assert _counts(at) == "**1** will change · **1** skipped: Does not have the tag (1)"
    assert list(_table(at, "Why")["Name"]) == [frame["Name"].iloc[untagged[0]]]
    at.button(key="bulk_preview_confirm").click().run()
    sent = _insight_patches(connect_env, before)
    assert list(sent) == [frame["id"].iloc[tagged[0]]]
    kept = [t for t in frame["Tags"].iloc[tagged[0]].split(", ") if t != "kpi"]
    assert sorted(next(iter(sent.values()))["tags"]) == sorted(kept)
    assert _batch()["why skipped"] == {"Does not have the tag"}
    (entry,) = [e for e in _entries() if e.outcome == "done"]
    assert (entry.action_key, entry.undo_params) == ("insight.remove_tag", {"tag": "kpi"})


def test_a_tag_action_without_a_tag_sends_nothing(connect_env, run_script):
    at = run_script(INSIGHTS)
    assert any("Type a tag here" in c.value for c in at.caption)
    before = len(connect_env.requests)
    _preview(at, "ins_list", "add_tag_Add tag")
    assert "No tag typed" in _counts(at) and _counts(at).startswith("**0** will change")
    assert at.button(key="bulk_preview_confirm").disabled
    assert not _writes(connect_env, before)


def test_unfavorite_then_favorite_send_only_the_changing_ones(connect_env, run_script):
    favorites = {str(i["id"]) for i in live_insights(connect_env) if i["favorited"]}
    at = run_script(INSIGHTS)
    at.toggle(key="ins_list_favorites").set_value(True).run()
    before = len(connect_env.requests)
    _preview(at, "ins_list", "unfavorite_Unfavorite")
    at.button(key="bulk_preview_confirm").click().run()
    sent = _insight_patches(connect_env, before)
    assert set(sent) == favorites
    assert all(body == {"favorited": False} for body in sent.values())
    assert _batch() == {"done": favorites, "why skipped": set()}

    # two rows of the first page, one a former favorite: both are favorited again, one by one
    at.toggle(key="ins_list_favorites").set_value(False).run()
    frame = _table(at, "Short id")  # the list, under the last run's results
    tick(at, "ins_list_table_1", frame, [0, 1])
    before = len(connect_env.requests)
    at.button(key="ins_list_bulk_favorite_Favorite").click().run()
    assert _counts(at) == "**2** will change"
    at.button(key="bulk_preview_confirm").click().run()
    sent = _insight_patches(connect_env, before)
    assert set(sent) == {frame["id"].iloc[0], frame["id"].iloc[1]}
    assert all(body == {"favorited": True} for body in sent.values())


def test_bulk_delete_of_insights_is_soft_and_restorable(connect_env, run_script):
    at = run_script(INSIGHTS)
    at.multiselect(key="ins_list_tags").set_value(["kpi"]).run()
    kpi = {str(i["id"]) for i in live_insights(connect_env) if "kpi" in i["tags"]}
    before = len(connect_env.requests)
    _preview(at, "ins_list", "delete_Delete")
    assert "restorable" in _table(at, "What will change")["What will change"].iloc[0]
    at.text_input(key="bulk_preview_count").input(str(len(kpi))).run()
    at.button(key="bulk_preview_confirm").click().run()
    sent = _insight_patches(connect_env, before)
    assert set(sent) == kpi and all(b == {"deleted": True} for b in sent.values())
    assert {e.action_key for e in _entries()} == {"insight.delete"}


# --- dashboards ------------------------------------------------------------------------------


def _dashboard_patches(emulator, since: int) -> dict[int, dict]:
    writes = _writes(emulator, since)
    assert all(w.method == "PATCH" for w in writes), [(w.method, w.path) for w in writes]
    sent = {int(w.path.rstrip("/").split("/")[-1]): w.json for w in writes}
    assert len(sent) == len(writes), "one write per dashboard"
    return sent


def test_bulk_pin_skips_pinned_and_view_only_dashboards(connect_env, run_script):
    at = run_script(DASHBOARDS)
    listed = _table(at, "You can edit")
    ids = [int(i) for i in listed["id"]]
    view_only = {i for i, can in zip(ids, listed["You can edit"], strict=True) if can == "No"}
    pinned = {i for i in ids if stored_dashboard(connect_env, i)["pinned"]}
    changing = set(ids) - pinned - view_only
    assert view_only - pinned and pinned and changing
    before = len(connect_env.requests)
    _preview(at, "dash_list", "pin_Pin")
    assert _counts(at) == (
        f"**{len(changing)}** will change · **{len(pinned | view_only)}** skipped: "
        f"Already pinned ({len(pinned)}), "
        f"You can view this dashboard but not edit it ({len(view_only - pinned)})"
    )
    at.button(key="bulk_preview_confirm").click().run()
    sent = _dashboard_patches(connect_env, before)
    assert set(sent) == changing
    assert all(body == {"pinned": True} for body in sent.values())
    assert _batch()["done"] == {str(i) for i in changing}


def test_bulk_unpin_then_delete_keeps_the_insights(connect_env, run_script):
    at = run_script(DASHBOARDS)
    at.selectbox(key="dash_list_pinned").select("Yes").run()
    pinned = {d["id"] for d in stored_dashboards(connect_env) if d["pinned"] and not d["deleted"]}
    before = len(connect_env.requests)
    _preview(at, "dash_list", "unpin_Unpin")
    at.button(key="bulk_preview_confirm").click().run()
    assert _dashboard_patches(connect_env, before) == {i: {"pinned": False} for i in pinned}

    at.selectbox(key="dash_list_pinned").select("Any").run()
    listed = _table(at, "You can edit")
    rows = [r for r, can in enumerate(listed["You can edit"]) if can == "Yes"][:2]
    tick(at, "dash_list_table", listed, rows)
    before = len(connect_env.requests)
    at.button(key="dash_list_bulk_delete_Delete").click().run()
    assert set(_table(at, "What will change")["What will change"]) == {
        "Deleted, its insights kept (restorable from the Journal)"
    }
    at.text_input(key="bulk_preview_count").input("2").run()
    at.button(key="bulk_preview_confirm").click().run()
    sent = _dashboard_patches(connect_env, before)
    assert sent == {int(listed["id"].iloc[r]): {"deleted": True} for r in rows}


def test_a_429_in_a_bulk_run_waits_out_the_pause_before_the_next_item(connect_env, run_script):
    running = {x["id"] for x in _exports(connect_env) if not x["paused"]}
    assert len(running) >= 2
    at = run_script(EXPORTS)
    before = len(connect_env.requests)
    _preview(at, "be_list", "pause_Pause")
    connect_env.inject_fault("throttle", method="POST", path_contains="/pause", wait_seconds=4)
    at.button(key="bulk_preview_confirm").click().run()

    writes = _writes(connect_env, before)
    assert [w.status for w in writes] == [429] + [200] * (len(running) - 1)  # none sent in the wait
    results = _table(at, "Journal entry")
    throttled = results[results["Outcome"] != "done"]
    assert len(throttled[throttled["Outcome"] != "skipped"]) == 1
    refused = throttled[throttled["Outcome"] != "skipped"].iloc[0]
    assert "PostHog asked us to wait 4 s" in refused["Reason"]
    assert _batch()["done"] == running - {refused["id"]}
