"""The Test tab's sample event follows the function's filters (pure rule, no server)."""

from __future__ import annotations

from services.hog_functions import DEFAULT_SAMPLE_EVENT, sample_event


def test_the_first_event_filter_names_the_event():
    filters = {
        "events": [
            {"id": "signed_up", "type": "events", "order": 0},
            {"id": "$pageview", "type": "events", "order": 1},
        ]
    }
    assert sample_event(filters) == ("signed_up", {})


def test_simple_exact_event_property_filters_are_satisfied():
    filters = {
        "events": [
            {
                "id": "upgraded_plan",
                "type": "events",
                "properties": [
                    {
                        "key": "plan",
                        "value": ["enterprise", "team"],
                        "operator": "exact",
                        "type": "event",
                    },
                ],
            }
        ],
        "properties": [
            {"key": "$browser", "value": "Firefox", "operator": "exact", "type": "event"},
            {"key": "email", "value": "a@b.c", "operator": "exact", "type": "person"},
            {"key": "$os", "value": "Linux", "operator": "icontains", "type": "event"},
            {"key": "utm_source", "operator": "is_set", "type": "event"},
        ],
    }
    name, properties = sample_event(filters)
    assert name == "upgraded_plan"
    # person properties and other operators are not guessed
    assert properties == {"plan": "enterprise", "$browser": "Firefox"}


def test_all_events_actions_only_or_no_filters_give_a_pageview():
    assert sample_event(None) == (DEFAULT_SAMPLE_EVENT, {})
    assert sample_event({}) == (DEFAULT_SAMPLE_EVENT, {})
    assert sample_event({"events": [{"id": None, "type": "events"}]})[0] == "$pageview"
    assert sample_event({"actions": [{"id": "12", "type": "actions"}]})[0] == "$pageview"


def test_mappings_replace_the_top_level_events():
    filters = {"events": [{"id": "$pageview", "type": "events"}]}
    mappings = [
        {"filters": {"events": []}},
        {
            "filters": {
                "events": [{"id": "$identify", "type": "events"}],
                "properties": [{"key": "step", "value": 2, "type": "event"}],
            }
        },
    ]
    assert sample_event(filters, mappings) == ("$identify", {"step": 2})
