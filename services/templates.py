"""Hog function templates: the public gallery and the project's own view of it."""

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

    def list_public(self, *, types: Iterable[str] = ("destination",)) -> list[HogFunctionTemplate]:
        rows = self._t.iter_results(
            "/api/public_hog_function_templates/", {"types": list(types), "limit": 350}
        )
        return [HogFunctionTemplate.model_validate(row) for row in rows]

    def get(self, template_id: str) -> HogFunctionTemplate:
        return HogFunctionTemplate.model_validate(self._t.get(f"{self._path}{template_id}/"))
