"""The rule behind "disable every function that failed more than X % of at least N deliveries":
which functions it picks from the fleet's totals, and which totals it trusts."""

from __future__ import annotations

from services.fleet import Delivery, failing_more_than, known_deliveries
from services.models import HogFunction
from services.query import FleetTotals

FUNCTIONS = [
    HogFunction(id=name, name=name, type="destination", enabled=name != "off")
    for name in ("half", "just_over", "exactly", "quiet", "off", "none", "unread")
]
DELIVERIES = {
    "half": Delivery(succeeded=100, failed=100),  # 50 % of 200
    "just_over": Delivery(succeeded=89, failed=11),  # 11 % of 100
    "exactly": Delivery(succeeded=90, failed=10),  # 10 % of 100: not more than 10 %
    "quiet": Delivery(succeeded=1, failed=98),  # 99 % of 99: too few deliveries
    "off": Delivery(succeeded=0, failed=500),  # 100 %, already disabled
    "none": Delivery(),  # nothing delivered
}


def _ids(functions: list[HogFunction]) -> list[str]:
    return [f.id for f in functions]


def test_picks_more_than_the_rate_of_at_least_the_volume_worst_first():
    picked = failing_more_than(FUNCTIONS, DELIVERIES, rate=0.10, min_deliveries=100)
    # disabled ones are picked too: the bulk preview says they are already off
    assert _ids(picked) == ["off", "half", "just_over"]


def test_the_volume_counts_succeeded_and_failed_and_is_inclusive():
    assert "quiet" in _ids(failing_more_than(FUNCTIONS, DELIVERIES, rate=0.10, min_deliveries=99))
    assert _ids(failing_more_than(FUNCTIONS, DELIVERIES, rate=0.5, min_deliveries=100)) == ["off"]
    assert _ids(failing_more_than(FUNCTIONS, DELIVERIES, rate=0.0, min_deliveries=1)) == [
        "off",
        "quiet",
        "half",
        "just_over",
        "exactly",
    ]


def test_a_function_whose_totals_are_unknown_is_never_picked():
    assert "unread" not in _ids(failing_more_than(FUNCTIONS, DELIVERIES, rate=0, min_deliveries=0))


def test_known_deliveries_count_by_kind_and_leave_out_unread_totals():
    fleet = FleetTotals(
        totals={
            "a": {"succeeded": 7, "failed": 3, "filtered": 50},
            "b": {"succeeded": 1, "custom_failure": 4},
            "c": {"failed": 9},
        },
        source="per_function",
        failed={"c": RuntimeError("timed out")},
        metric_kinds={"custom_failure": "failure"},
    )
    assert known_deliveries(fleet) == {
        "a": Delivery(succeeded=7, failed=3),  # filtered events are not deliveries
        "b": Delivery(succeeded=1, failed=4),  # PostHog's own kind of a metric name
    }
