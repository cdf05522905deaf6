"""Show text from PostHog as text: names and messages may contain markdown or HTML."""

from __future__ import annotations

import re

# characters that start markdown, HTML, directives (:red[..], :material/x:) or LaTeX
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~$:])")
_LINE_START = re.compile(r"^(\s*)([-+]|\d+\.)(?=\s)", re.MULTILINE)
# GFM turns bare URLs into links even when escaped; an invisible word joiner breaks them
_URL_START = re.compile(r"(://|www\.)", re.IGNORECASE)
JOINER = "\u2060"


def plain(text: object) -> str:
    """Escape markdown so `[click](https://evil)` or `<img>` shows literally."""
    text = _URL_START.sub(
        lambda m: m.group(1)[0] + JOINER + m.group(1)[1:], "" if text is None else str(text)
    )
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)
