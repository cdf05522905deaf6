"""`PostHogClient`: one object per connection (host, project, key), with resource namespaces.

client = PostHogClient(host="https://us.posthog.com", api_key=key, project_id=12345)
client.hog_functions.list(type=["destination"])
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from services.app_metrics import AppMetricsApi
from services.batch_exports import BatchExports
from services.dashboards import Dashboards
from services.hog_functions import HogFunctions
from services.insights import Insights
from services.integrations import Integrations
from services.projects import Projects, Users
from services.query import Query
from services.ratelimit import paused_for
from services.templates import HogFunctionTemplates
from services.transport import Transport

US_CLOUD = "https://us.posthog.com"
EU_CLOUD = "https://eu.posthog.com"


class PostHogClient:
    def __init__(
        self,
        *,
        host: str,
        api_key: str,
        project_id: int | None = None,
        timeout: float = 15.0,
        max_retries: int = 3,
        backoff: float = 0.5,
        max_rate_limit_wait: float = 15.0,
        read_only: bool = False,
        sleep: Callable[[float], None] | None = None,
    ):
        if not host.startswith(("http://", "https://")):
            raise ValueError("host must start with http:// or https://")
        if not api_key:
            raise ValueError("an API key is required")
        extra: dict[str, Any] = {"sleep": sleep} if sleep else {}
        transport = Transport(
            host,
            api_key,
            timeout=timeout,
            max_retries=max_retries,
            backoff=backoff,
            max_rate_limit_wait=max_rate_limit_wait,
            read_only=read_only,
            **extra,
        )
        self._connect(transport, project_id)

    def in_project(self, project_id: int) -> PostHogClient:
        """This connection scoped to another of the key's projects. It shares the transport,
        so the key's rate limiter, audit mode and the journal's write listeners stay one."""
        other = object.__new__(PostHogClient)
        other._connect(self.transport, int(project_id))
        return other

    def _connect(self, transport: Transport, project_id: int | None) -> None:
        self.transport = transport
        self.host = transport.host
        self.project_id = int(project_id) if project_id is not None else None
        self.users = Users(self.transport)
        self.projects = Projects(self.transport)
        base = f"/api/projects/{self.project_id}" if self.project_id is not None else None
        if base:
            self.hog_functions = HogFunctions(self.transport, base)
            self.hog_function_templates = HogFunctionTemplates(self.transport, base)
            self.batch_exports = BatchExports(self.transport, base)
            self.app_metrics = AppMetricsApi(self.transport, base)
            self.insights = Insights(self.transport, base)
            self.dashboards = Dashboards(self.transport, base)
            self.query = Query(self.transport, base)
            self.integrations = Integrations(self.transport, self.project_id)

    def rate_limit_pause(self) -> float:
        """Seconds left of the wait PostHog asked for with its last 429 on this key."""
        return paused_for(self.transport.key_fingerprint)

    @property
    def fingerprint(self) -> str:
        """Identifies host + project + key in cache keys without revealing the key."""
        raw = f"{self.transport.key_fingerprint}|{self.project_id}"
        return hashlib.sha256(raw.encode()).hexdigest()[:16]

    def __getattr__(self, name: str) -> Any:
        if name in (
            "hog_functions",
            "hog_function_templates",
            "batch_exports",
            "app_metrics",
            "insights",
            "dashboards",
            "query",
            "integrations",
        ):
            raise AttributeError(f"{name} needs a project: create the client with project_id")
        raise AttributeError(name)

    def __repr__(self) -> str:
        return f"PostHogClient(host={self.host!r}, project_id={self.project_id})"
