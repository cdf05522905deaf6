"""Pydantic models of PostHog objects. PostHog adds fields often, so every model keeps
unknown fields (`extra="allow"`) and every field the console does not depend on is optional."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field


class PostHogModel(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class UserBasic(PostHogModel):
    id: int | None = None
    uuid: str | None = None
    email: str | None = None
    first_name: str | None = ""
    last_name: str | None = ""

    @property
    def display_name(self) -> str:
        name = " ".join(p for p in (self.first_name, self.last_name) if p).strip()
        return name or self.email or "Unknown user"


class TeamBasic(PostHogModel):
    id: int
    name: str | None = None
    project_id: int | None = None
    organization: str | None = None
    timezone: str | None = None


class Organization(PostHogModel):
    id: str | None = None
    name: str | None = None
    teams: list[TeamBasic] = Field(default_factory=list)


class User(UserBasic):
    team: TeamBasic | None = None
    organization: Organization | None = None


class Project(PostHogModel):
    id: int
    name: str = ""
    organization: str | None = None
    timezone: str | None = None


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a paged list, for views that page on the server."""

    results: list[T]
    next: str | None = None
    previous: str | None = None
    count: int | None = None
    total_count: int | None = None


# --- hog functions ------------------------------------------------------------------------


class HogFunctionStatus(PostHogModel):
    state: int | str | None = None
    tokens: float | None = None


class HogFunctionTemplate(PostHogModel):
    id: str
    name: str = ""
    description: str | None = ""
    code: str | None = None
    code_language: str | None = None
    inputs_schema: list[dict[str, Any]] | None = None
    type: str | None = None
    status: str | None = None
    category: list[str] | None = None
    free: bool | None = None
    icon_url: str | None = None
    filters: dict[str, Any] | None = None
    masking: dict[str, Any] | None = None
    mapping_templates: list[dict[str, Any]] | None = None


class HogFunction(PostHogModel):
    id: str
    type: str | None = None
    name: str = ""
    description: str | None = ""
    created_at: datetime | None = None
    created_by: UserBasic | None = None
    updated_at: datetime | None = None
    enabled: bool = False
    hog: str | None = None
    inputs_schema: list[dict[str, Any]] | None = None
    inputs: dict[str, Any] | None = None
    filters: dict[str, Any] | None = None
    masking: dict[str, Any] | None = None
    mappings: list[dict[str, Any]] | None = None
    icon_url: str | None = None
    template: HogFunctionTemplate | None = None
    status: HogFunctionStatus | None = None
    execution_order: int | None = None
    batch_export_id: str | None = None


class LogEntry(PostHogModel):
    timestamp: datetime
    level: str = "INFO"
    message: str = ""
    instance_id: str | None = None
    log_source_id: str | None = None


class LogPage(BaseModel):
    """Newest-first log entries; `older_before` is the `before=` for the next older page."""

    entries: list[LogEntry]
    older_before: str | None = None


class MetricsSeries(PostHogModel):
    labels: list[str] = Field(default_factory=list)
    series: list[dict[str, Any]] = Field(default_factory=list)


class InvocationResult(PostHogModel):
    status: str | None = None
    result: Any = None
    errors: list[Any] = Field(default_factory=list)
    logs: list[dict[str, Any]] = Field(default_factory=list)


# --- batch exports ------------------------------------------------------------------------


class BatchExportRun(PostHogModel):
    id: str
    status: str = ""
    records_completed: int | None = None
    records_total_count: int | None = None
    bytes_exported: int | None = None
    latest_error: str | None = None
    data_interval_start: datetime | None = None
    data_interval_end: datetime | None = None
    created_at: datetime | None = None
    finished_at: datetime | None = None
    backfill: str | None = None


class BatchExportDestination(PostHogModel):
    type: str
    config: dict[str, Any] = Field(default_factory=dict)
    integration: int | None = None


class BatchExport(PostHogModel):
    id: str
    name: str = ""
    model: str | None = "events"
    destination: BatchExportDestination
    interval: str = "hour"
    paused: bool = False
    created_at: datetime | None = None
    last_updated_at: datetime | None = None
    last_paused_at: datetime | None = None
    start_at: datetime | None = None
    end_at: datetime | None = None
    latest_runs: list[BatchExportRun] = Field(default_factory=list)
    hogql_query: str | None = None
    filters: Any = None
    timezone: str | None = None
    offset_day: int | None = None
    offset_hour: int | None = None


class BackfillProgress(PostHogModel):
    total_runs: int | None = None
    finished_runs: int | None = None
    progress: float | None = None


class BatchExportBackfill(PostHogModel):
    id: str
    status: str = ""
    progress: BackfillProgress | None = None
    start_at: datetime | None = None
    end_at: datetime | None = None
    created_at: datetime | None = None
    finished_at: datetime | None = None
    last_updated_at: datetime | None = None
    total_records_count: int | None = None

    @property
    def is_running(self) -> bool:
        return self.status in ("Running", "Starting")


class TestStepResult(PostHogModel):
    status: str | None = None
    message: str | None = None


class TestStep(PostHogModel):
    name: str = ""
    description: str | None = None
    result: TestStepResult | None = None

    @property
    def passed(self) -> bool:
        return bool(self.result and self.result.status == "Passed")


# --- legacy app metrics ---------------------------------------------------------------------


class AppMetricsSeries(PostHogModel):
    dates: list[str] = Field(default_factory=list)
    successes: list[int] = Field(default_factory=list)
    successes_on_retry: list[int] = Field(default_factory=list)
    failures: list[int] = Field(default_factory=list)
    totals: dict[str, int] = Field(default_factory=dict)


class AppMetricsError(PostHogModel):
    error_type: str
    count: int = 0
    last_seen: datetime | None = None


class AppMetrics(PostHogModel):
    metrics: AppMetricsSeries = Field(default_factory=AppMetricsSeries)
    errors: list[AppMetricsError] | None = None


class AppErrorSample(PostHogModel):
    timestamp: datetime | None = None
    error_uuid: str | None = None
    error_type: str | None = None
    error_details: dict[str, Any] = Field(default_factory=dict)


class HistoricalExport(PostHogModel):
    job_id: str
    status: str | None = None
    payload: dict[str, Any] | None = None
    created_at: datetime | None = None
    created_by: UserBasic | None = None
    finished_at: datetime | None = None
    duration: float | None = None
    progress: float | None = None
    failure_reason: str | None = None


class HistoricalExportDetail(AppMetrics):
    summary: HistoricalExport | None = None


class PluginConfig(PostHogModel):
    id: int
    name: str | None = None
    description: str | None = None
    enabled: bool | None = None
    plugin: int | None = None
    plugin_info: dict[str, Any] | None = None
