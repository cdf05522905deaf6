"""Names from PostHog are shown as text, never as markdown or HTML."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from components.shared.text import plain
from tests.markdown import unescape

HOSTILE = [
    "<img src=x onerror=alert('xss')> Webhook",
    "[Click here](https://evil.example) **urgent** <script>alert(1)</script>",
    ":red[alarm] :material/delete: $x^2$ `code` # heading",
    "1. not a list\n- nor this",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_plain_round_trips_and_neutralises(text):
    escaped = plain(text)
    assert unescape(escaped) == text
    for token in ("<", "[", "*", ":", "$", "`", "#"):
        assert token not in escaped.replace("\\" + token, "")


def test_bare_urls_are_not_linkified():
    escaped = plain("see https://evil.example and www.evil.example")
    assert "https://" not in escaped and "www." not in escaped
    assert unescape(escaped) == "see https://evil.example and www.evil.example"
    assert plain(0) == "0"


def test_escaped_markdown_renders_no_link():
    at = AppTest.from_string(
        "import streamlit as st\nfrom components.shared.text import plain\n"
        f"st.markdown(plain({HOSTILE[1]!r}))\n"
    ).run()
    assert not at.exception
    assert at.markdown[0].value == plain(HOSTILE[1])
