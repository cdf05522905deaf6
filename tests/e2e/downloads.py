"""Tables are drawn on a canvas: a browser test reads their rows from their CSV download."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from playwright.sync_api import Page


def csv_rows(page: Page, where) -> list[dict]:
    """The rows of the CSV that the Download CSV button inside `where` gives."""
    with page.expect_download() as download:
        where.get_by_role("button", name="Download CSV").click()
    return list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
