"""Contract test over every component module (as streamlit-extras does): each one has a
tiny `example()` that renders on its own."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from streamlit.testing.v1 import AppTest

import components

MODULES = sorted(
    m.name.removeprefix("components.")
    for m in pkgutil.walk_packages(components.__path__, "components.")
    if not m.ispkg
)
# state and cache helpers, exercised by every page
NON_VISUAL = {"shared.connection", "shared.data", "shared.shell"}


def test_every_visual_component_has_an_example():
    for name in MODULES:
        module = importlib.import_module(f"components.{name}")
        if name not in NON_VISUAL:
            assert callable(getattr(module, "example", None)), f"components.{name}.example"


@pytest.mark.parametrize("name", [m for m in MODULES if m not in NON_VISUAL])
def test_component_example_renders(name):
    at = AppTest.from_string(
        f"from components.{name} import example\nexample()\n", default_timeout=30
    ).run()
    assert not at.exception
    rendered = [node for node in at.main] + [node for node in at.sidebar]
    assert rendered, f"components.{name}.example rendered nothing"
