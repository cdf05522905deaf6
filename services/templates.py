"""Hog function templates: the gallery as this project sees it, or PostHog's public catalogue
when the key may not read the project's templates."""

from __future__ import annotations

from collections.abc import Iterable

from services.errors import PermissionDenied
from services.models import HogFunctionTemplate
from services.transport import Transport

PUBLIC_PATH = "/api/public_hog_function_templates/"


class Templates(list[HogFunctionTemplate]):
    """Templates, and why they came from the public catalogue (None when they are the
    project's own). The public catalogue leaves out templates hidden for the project."""

    public_because: str | None = None


class HogFunctionTemplates:
    def __init__(self, transport: Transport, base: str):
        self._t = transport
        self._path = f"{base}/hog_function_templates/"

    def list(self, *, types: Iterable[str] = ("destination",)) -> Templates:
        """Templates of the given types. PostHog defaults `type` to destination: always pass.
        A key refused the project's templates still gets the public catalogue, which PostHog
        serves to anyone."""
        types = list(types)
        try:
            return Templates(self._read(self._path, types))
        except PermissionDenied as refused:
            public = self.public(types=types)
            public.public_because = str(refused)
            return public

    def public(self, *, types: Iterable[str] = ("destination",)) -> Templates:
        """PostHog's public catalogue (`/api/public_hog_function_templates/`, no key needed)."""
        return Templates(self._read(PUBLIC_PATH, list(types)))

    def _read(self, path: str, types: list[str]) -> list[HogFunctionTemplate]:
        rows = self._t.iter_results(path, {"types": types, "limit": 350})
        return [HogFunctionTemplate.model_validate(row) for row in rows]
