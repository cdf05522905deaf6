"""Legacy app metrics: delivery of plugin configs (and batch exports), their errors and
historical exports. Read-only: PostHog offers no writes here."""

from __future__ import annotations

from typing import Any

from services.ids import int_id, metrics_target, segment
from services.ids import job_id as job_id_of
from services.models import (
    AppErrorSample,
    AppMetrics,
    HistoricalExport,
    HistoricalExportDetail,
    PluginConfig,
)
from services.transport import Transport

CATEGORIES = (
    "processEvent",
    "onEvent",
    "exportEvents",
    "scheduledTask",
    "webhook",
    "composeWebhook",
)


class AppMetricsApi:
    def __init__(self, transport: Transport, base: str):
        self._t = transport
        self._base = base
        self._path = f"{base}/app_metrics/"

    def plugin_configs(self) -> list[PluginConfig]:
        """The project's legacy plugin configs, to choose from."""
        rows = self._t.iter_results(f"{self._base}/plugin_configs/", {"limit": 200})
        return [PluginConfig.model_validate(row) for row in rows]

    def get(
        self,
        target_id: str | int,
        *,
        category: str | None = None,
        date_from: str | None = "-30d",
        date_to: str | None = None,
    ) -> AppMetrics:
        """`target_id` is a plugin config id or a batch export UUID. Hourly below two days."""
        if category is not None and category not in CATEGORIES:
            raise ValueError(f"unknown category {category!r}")
        params: dict[str, Any] = {"category": category, "date_from": date_from, "date_to": date_to}
        return AppMetrics.model_validate(
            self._t.get(f"{self._path}{segment(metrics_target(target_id))}/", **params) or {}
        )

    def error_details(
        self, target_id: str | int, *, error_type: str, category: str | None = None
    ) -> list[AppErrorSample]:
        data = self._t.get(
            f"{self._path}{segment(metrics_target(target_id))}/error_details/",
            error_type=error_type,
            category=category,
        )
        return [AppErrorSample.model_validate(row) for row in (data or {}).get("result", [])]

    def historical_exports(self, plugin_config_id: int) -> list[HistoricalExport]:
        data = self._t.get(
            f"{self._path}{segment(int_id(plugin_config_id, 'plugin config'))}/historical_exports/"
        )
        return [HistoricalExport.model_validate(row) for row in (data or {}).get("results", [])]

    def historical_export(self, plugin_config_id: int, job_id: str) -> HistoricalExportDetail:
        config = segment(int_id(plugin_config_id, "plugin config"))
        path = f"{self._path}{config}/historical_exports/{segment(job_id_of(job_id))}/"
        return HistoricalExportDetail.model_validate(self._t.get(path) or {})
