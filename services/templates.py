"""Hog function templates: the gallery as this project sees it."""

from __future__ import annotations

from collections.abc import Iterable

from services.models import HogFunctionTemplate
from services.transport import Transport


class HogFunctionTemplates:
    def __init__(self, transport: Transport, base: str):
        self._t = transport
        self._path = f"{base}/hog_function_templates/"

    def list(self, *, types: Iterable[str] = ("destination",)) -> list[HogFunctionTemplate]:
        """Templates of the given types. PostHog defaults `type` to destination: always pass."""
        rows = self._t.iter_results(self._path, {"types": list(types), "limit": 350})
        return [HogFunctionTemplate.model_validate(row) for row in rows]
