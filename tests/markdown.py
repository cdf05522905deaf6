"""What a reader sees of a markdown string the console escaped with `plain`."""

from __future__ import annotations

import re

from components.shared.text import JOINER


def unescape(markdown: str) -> str:
    """The inverse of `components.shared.text.plain`."""
    return re.sub(r"\\(.)", r"\1", markdown).replace(JOINER, "")
