"""Batch exports: exports, pause/unpause, runs, backfills, destination tests and logs.

PostHog strips secret config fields on read and merges `destination.config` on PATCH, so an
omitted secret is kept: the console sends only the config fields the operator changed, and a
secret only when the operator typed a new one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Unpack
from urllib.parse import urlencode, urlsplit

from services.activity import ActivityLog
from services.errors import Conflict, PostHogError
from services.ids import segment, uuid_id
from services.journal import secret_change
from services.logs import LogFilters, fetch_log_page
from services.models import BatchExport, BatchExportBackfill, BatchExportRun, LogPage, TestStep
from services.transport import Transport


@dataclass(frozen=True)
class ConfigField:
    """One key of a destination's config: its kind, whether PostHog requires it, its choices.
    The words an operator sees for it live with the form (components/batch_exports/fields.py)."""

    key: str
    kind: str = "text"  # text | secret | number | bool | choice
    required: bool = False
    choices: tuple[str, ...] = ()

    @property
    def secret(self) -> bool:
        return self.kind == "secret"


_S3_FIELDS = (
    ConfigField("bucket_name", required=True),
    ConfigField("region", required=True),
    ConfigField("prefix", required=True),
    ConfigField("aws_access_key_id", "secret"),
    ConfigField("aws_secret_access_key", "secret"),
    ConfigField("file_format", "choice", choices=("JSONLines", "Parquet")),
    ConfigField("compression", "choice", choices=("", "gzip", "brotli", "zstd", "lz4")),
    ConfigField("max_file_size_mb", "number"),
)
_POSTGRES_FIELDS = (
    ConfigField("host", required=True),
    ConfigField("port", "number", required=True),
    ConfigField("database", required=True),
    ConfigField("schema", required=True),
    ConfigField("table_name", required=True),
    ConfigField("user", "secret", required=True),
    ConfigField("password", "secret"),
)
DESTINATION_FIELDS: dict[str, tuple[ConfigField, ...]] = {
    "AwsS3": _S3_FIELDS + (ConfigField("kms_key_id"),),
    "S3Compatible": _S3_FIELDS[:3] + (ConfigField("endpoint_url", required=True),) + _S3_FIELDS[3:],
    "Snowflake": (
        ConfigField("account", required=True),
        ConfigField("database", required=True),
        ConfigField("warehouse", required=True),
        ConfigField("schema", required=True),
        ConfigField("table_name", required=True),
        ConfigField("role"),
        ConfigField("authentication_type", "choice", choices=("password", "keypair")),
        ConfigField("user", "secret", required=True),
        ConfigField("password", "secret"),
        ConfigField("private_key", "secret"),
        ConfigField("private_key_passphrase", "secret"),
    ),
    "Postgres": _POSTGRES_FIELDS + (ConfigField("has_self_signed_cert", "bool"),),
    "Redshift": _POSTGRES_FIELDS
    + (ConfigField("properties_data_type", "choice", choices=("VARCHAR", "SUPER")),),
    "BigQuery": (
        ConfigField("project_id", required=True),
        ConfigField("dataset_id", required=True),
        ConfigField("table_id", required=True),
        ConfigField("private_key", "secret"),
        ConfigField("private_key_id", "secret"),
        ConfigField("client_email", "secret"),
        ConfigField("token_uri", "secret"),
        ConfigField("use_json_type", "bool"),
    ),
    "Databricks": (
        ConfigField("http_path", required=True),
        ConfigField("catalog", required=True),
        ConfigField("schema", required=True),
        ConfigField("table_name", required=True),
        ConfigField("use_variant_type", "bool"),
    ),
    "AzureBlob": (
        ConfigField("container_name", required=True),
        ConfigField("prefix"),
        ConfigField("file_format", "choice", choices=("JSONLines", "Parquet")),
        ConfigField("compression", "choice", choices=("", "gzip", "brotli", "zstd")),
    ),
    "HTTP": (
        ConfigField("url", required=True),
        ConfigField("token", "secret", required=True),
    ),
    "NoOp": (),
}
# Destinations whose credentials live in a PostHog integration rather than in the config.
INTEGRATION_DESTINATIONS = ("AwsS3", "S3Compatible", "BigQuery", "Databricks", "AzureBlob")
DESTINATION_TYPES = tuple(DESTINATION_FIELDS)
READ_ONLY_TYPES = ("S3", "Workflows")  # legacy S3 can no longer be written; Workflows internal
INTERVALS = ("hour", "day", "week", "every 5 minutes", "every 15 minutes")
MODELS = ("events", "persons", "sessions")
RUNNING = ("Running", "Starting")
FAILED_RUN = ("Failed", "FailedRetryable", "FailedBilling")
EXPORT_STATES = ("Active", "Paused", "Ended")


URL_FIELDS = ("url", "endpoint_url")
PORT_RANGE = (1, 65_535)


def config_problems(
    destination_type: str, config: dict[str, Any], *, editing: bool
) -> dict[str, str]:
    """What PostHog (or the destination) would refuse in a destination's config, checked
    before anything is sent: `config.<key>` → message, every field at once."""
    found: dict[str, str] = {}
    for field in DESTINATION_FIELDS.get(destination_type, ()):
        value = config.get(field.key)
        where = f"config.{field.key}"
        if field.secret and isinstance(value, str) and value and not value.strip():
            found[where] = "A secret cannot be only spaces" + (
                ": type it, or leave the field empty to keep the stored one." if editing else "."
            )
        elif field.required and value in (None, "") and not (editing and field.secret):
            found[where] = "required"
        elif field.key in URL_FIELDS and value and not _is_web_address(str(value)):
            found[where] = "Give a full address starting with https:// (or http://)."
        elif (
            field.key == "port"
            and value is not None
            and not (PORT_RANGE[0] <= int(value) <= PORT_RANGE[1])
        ):
            found[where] = f"A port is a number from {PORT_RANGE[0]} to {PORT_RANGE[1]:,}."
    return found


def _is_web_address(text: str) -> bool:
    parts = urlsplit(text.strip())
    return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in text


@dataclass(frozen=True)
class CheckResult:
    """How one destination check went: Passed, Failed, Error, Skipped or Unknown."""

    step: str
    status: str
    message: str | None = None

    @property
    def passed(self) -> bool:
        return self.status == "Passed"


def secret_fields(destination_type: str) -> set[str]:
    known = DESTINATION_FIELDS.get(destination_type)
    if known is None and destination_type == "S3":
        known = _S3_FIELDS
    return {f.key for f in known or () if f.secret}


def export_status(export: BatchExport, now: datetime | None = None) -> str:
    """Active, Paused, or Ended (past `end_at`, so it will not run again)."""
    now = now or datetime.now(UTC)
    if export.end_at and export.end_at <= now:
        return "Ended"
    return "Paused" if export.paused else "Active"


def failed_runs(export: BatchExport) -> int:
    return sum(1 for run in export.latest_runs if run.status in FAILED_RUN)


def shown_config_value(field: ConfigField, stored: Any) -> Any:
    """A config field's value as the form's widget shows it: what an untouched widget gives
    back (a number as a number, a missing choice as the first choice, text trimmed)."""
    if field.secret:
        return ""
    if field.kind == "number":
        if isinstance(stored, str) and stored.strip().isdigit():
            return int(stored)
        return stored if isinstance(stored, int) and not isinstance(stored, bool) else None
    if field.kind == "bool":
        return bool(stored)
    if field.kind == "choice":
        return stored if stored is not None else (field.choices or (None,))[0]
    return str(stored).strip() if stored is not None else ""


def config_changes(destination_type: str, stored: dict, edited: dict) -> dict[str, Any]:
    """The config fields to send. PostHog merges config on PATCH, so a field left as the form
    showed it is left out, and a blank secret means "keep the stored one"."""
    secrets = secret_fields(destination_type)
    fields = {f.key: f for f in DESTINATION_FIELDS.get(destination_type, ())}
    out = {}
    for key, value in edited.items():
        if key in secrets:
            if value not in (None, ""):
                out[key] = value
        elif key in fields and value == shown_config_value(fields[key], stored.get(key)):
            continue
        elif stored.get(key) != value and not (stored.get(key) is None and value in ("", None)):
            out[key] = value
    return out


_TOP_LEVEL = (
    "name",
    "interval",
    "model",
    "timezone",
    "offset_day",
    "offset_hour",
    "start_at",
    "end_at",
    "filters",
    "hogql_query",
)


MOMENTS = ("start_at", "end_at")
TEXTS = ("name", "hogql_query")


def moment_text(value: datetime | None) -> str:
    """A stored start or end exactly, as the form shows it (ISO, `Z` for UTC)."""
    return value.isoformat().replace("+00:00", "Z") if value else ""


def parse_moment(text: str) -> datetime | None:
    """A typed start or end: `YYYY-MM-DD` (midnight UTC) or ISO with a time; a time without
    an offset is UTC. Blank is None. Raises ValueError when it is neither."""
    text = text.strip()
    if not text:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def edit_form_values(export: BatchExport) -> dict[str, Any]:
    """The top-level fields as the edit form shows them before the operator touches anything:
    an untouched field gives back exactly this, so `changes_for` leaves it out. Starts and ends
    are shown as exact text, because a date widget would drop their time."""
    return {
        "name": export.name,
        "interval": export.interval,
        "model": export.model or "events",
        "timezone": export.timezone or "UTC",
        "offset_day": export.offset_day,
        "offset_hour": export.offset_hour,
        "start_at": moment_text(export.start_at),
        "end_at": moment_text(export.end_at),
        "filters": export.filters,
        "hogql_query": export.hogql_query or "",
    }


def changed_between(loaded: BatchExport, latest: BatchExport) -> list[str]:
    """The form's fields someone changed in PostHog since `loaded` was read, named as
    `field_changes` names them. PostHog never sends a secret back, so a replaced one is not
    seen."""
    was, now = edit_form_values(loaded), edit_form_values(latest)
    before, after = loaded.destination.config or {}, latest.destination.config or {}
    return [f for f in was if was[f] != now[f]] + [
        f"config.{k}" for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)
    ]


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def changes_for(export: BatchExport, edited: dict[str, Any]) -> dict[str, Any]:
    """A PATCH body with only what the operator changed: an edited value equal to what the form
    showed (`edit_form_values`) is not sent, so its stored value stays exactly as it was. Starts
    and ends are typed text (see `parse_moment`; check them first) and go as ISO strings.
    `edited["config"]` holds the form's config values (secrets blank unless replaced)."""
    shown = edit_form_values(export)
    body: dict[str, Any] = {}
    for key in _TOP_LEVEL:
        if key not in edited or edited[key] == shown[key]:
            continue
        after = edited[key]
        if key in MOMENTS:
            moment = parse_moment(after) if isinstance(after, str) else after
            if moment == getattr(export, key):
                continue
            after = moment_text(moment) or None
        elif key in TEXTS and isinstance(after, str):
            after = after.strip()
        if after != getattr(export, key) and not (_blank(shown[key]) and _blank(after)):
            body[key] = after
    if "config" in edited:
        dtype = export.destination.type
        config = config_changes(dtype, export.destination.config, edited["config"])
        if config:
            body["destination"] = {"type": dtype, "config": config}
    return body


def field_changes(export: BatchExport | None, body: dict[str, Any]) -> dict[str, Any]:
    """What a create (`export` None, `body` as POSTed) or an edit (`body` as PATCHed) changes:
    field → {"before", "after"}. A secret config key appears only as "changed" or "kept",
    never with its value: the journal records this, and the save dialog shows it."""
    changes: dict[str, Any] = {}
    for key, after in body.items():
        if key != "destination":
            changes[key] = {
                "before": getattr(export, key, None) if export else None,
                "after": after,
            }
    destination = body.get("destination")
    if not destination:
        return changes
    dtype = destination["type"]
    if export is None:
        changes["destination"] = {"before": None, "after": dtype}
        if destination.get("integration_id") is not None:
            changes["integration_id"] = {"before": None, "after": destination["integration_id"]}
    stored = export.destination.config if export else {}
    sent = destination.get("config") or {}
    secrets = secret_fields(dtype)
    for key, after in sent.items():
        if key not in secrets:
            changes[f"config.{key}"] = {"before": stored.get(key), "after": after}
    for key in sorted(secrets):
        if export is not None or key in sent:  # a new export's unset secrets are not news
            changes[f"config.{key}"] = secret_change(replaced=key in sent)
    return changes


def backfill_problems(
    *,
    interval: str,
    start: date | datetime | None,
    end: date | datetime | None,
    now: datetime | None = None,
    allow_no_start: bool = False,
) -> dict[str, str]:
    """PostHog's backfill date rules, checked before anything is sent: field → message."""
    now = now or datetime.now(UTC)
    problems: dict[str, str] = {}
    daily = interval in ("day", "week")
    for field, value in (("start_at", start), ("end_at", end)):
        if value is None:
            if field == "end_at" or not allow_no_start:
                problems[field] = "Choose a date." if daily else "Choose a date and time."
            continue
        if daily and isinstance(value, datetime):
            problems[field] = "Daily and weekly exports are backfilled by whole days: pick a date."
        if not daily and (not isinstance(value, datetime) or value.tzinfo is None):
            problems[field] = "Give a date and time with a timezone."
    if problems:
        return problems
    start_moment = _moment(start) if start is not None else None
    end_moment = _moment(end)
    if start_moment is not None and start_moment >= end_moment:
        problems["end_at"] = "The end must be after the start."
    elif end_moment > now:
        problems["end_at"] = "The end cannot be in the future."
    return problems


def backfill_bound(value: date | datetime | None) -> str | None:
    """The string PostHog wants: `YYYY-MM-DD` for a date, ISO with offset for a datetime."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return value.isoformat()


def _moment(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, datetime.min.time(), UTC)


def missed_while_paused(export: BatchExport, now: datetime | None = None) -> int:
    """How many intervals an unpause backfill would fill."""
    if not export.paused or not export.last_paused_at:
        return 0
    step = {
        "hour": timedelta(hours=1),
        "day": timedelta(days=1),
        "week": timedelta(weeks=1),
        "every 5 minutes": timedelta(minutes=5),
        "every 15 minutes": timedelta(minutes=15),
    }.get(export.interval, timedelta(hours=1))
    return max(0, int(((now or datetime.now(UTC)) - export.last_paused_at) / step))


def new_export_body(
    *,
    name: str,
    destination_type: str,
    config: dict[str, Any],
    interval: str,
    model: str = "events",
    paused: bool = False,
    integration_id: int | None = None,
    **schedule: Any,
) -> dict[str, Any]:
    """The POST body of a new export. `schedule` takes start_at, end_at, timezone, offset_day,
    offset_hour, filters and hogql_query; None values are left out."""
    destination: dict[str, Any] = {"type": destination_type, "config": config}
    if integration_id is not None:
        destination["integration_id"] = integration_id
    return {
        "name": name,
        "destination": destination,
        "interval": interval,
        "model": model,
        "paused": paused,
        **{k: v for k, v in schedule.items() if v is not None},
    }


def run_in_order(
    names: list[str],
    run_step: Callable[[int], TestStep],
    on_step: Callable[[int, str], None] | None = None,
) -> list[CheckResult]:
    """PostHog's destination checks, one after the other. After a failure the rest are
    skipped, as each depends on the ones before it; an error answer counts as a failure.
    When PostHog refuses the first check, nothing was checked: its error is raised."""
    results: list[CheckResult] = []
    failed = False
    for index, name in enumerate(names):
        if failed:
            results.append(CheckResult(name, "Skipped"))
            continue
        if on_step:
            on_step(index, name)
        try:
            outcome = run_step(index)
        except PostHogError as exc:
            if index == 0:
                raise
            results.append(CheckResult(name, "Error", str(exc)))
            failed = True
            continue
        result = outcome.result
        results.append(
            CheckResult(
                name, result.status if result else "Unknown", result.message if result else None
            )
        )
        failed = not outcome.passed
    return results


class BatchExports:
    def __init__(self, transport: Transport, base: str):
        self._t = transport
        self._path = f"{base}/batch_exports/"
        self._activity = ActivityLog(transport, base)

    def _item(self, export_id: str) -> str:
        return f"{self._path}{segment(uuid_id(export_id, 'batch export'))}/"

    # --- exports ------------------------------------------------------------------------

    def iter(self, *, page_size: int = 100) -> Iterator[BatchExport]:
        for row in self._t.iter_results(self._path, {"limit": page_size}):
            yield BatchExport.model_validate(row)

    def list(self) -> list[BatchExport]:
        return list(self.iter())

    def get(self, export_id: str) -> BatchExport:
        return BatchExport.model_validate(self._t.get(self._item(export_id)))

    def create(self, **fields: Any) -> BatchExport:
        """Create an export from `new_export_body`'s fields."""
        body = new_export_body(**fields)
        return BatchExport.model_validate(self._t.write("POST", self._path, body))

    def update(self, export_id: str, changes: dict[str, Any]) -> BatchExport:
        """PATCH with only the changed fields (see `changes_for`)."""
        if not changes:
            raise ValueError("nothing to change")
        return BatchExport.model_validate(self._t.write("PATCH", self._item(export_id), changes))

    def update_if_unchanged(
        self, export_id: str, *, changes: dict[str, Any], loaded_updated_at: datetime | None
    ) -> BatchExport:
        """`update`, unless the export changed in PostHog since it was loaded (at
        `loaded_updated_at`): then nothing is sent and `Conflict` is raised, naming who changed
        it when PostHog's activity log says."""
        current = self.get(export_id)
        moved_at = current.last_updated_at
        if moved_at != loaded_updated_at:
            by = self._activity.changed_by(
                scope="BatchExport", item_id=current.id, changed_at=moved_at
            )
            raise Conflict.changed_since("batch export", moved_at, by=by, current=current)
        return self.update(export_id, changes)

    def pause(self, export_id: str) -> bool:
        data = self._t.write("POST", f"{self._item(export_id)}pause/")
        return bool((data or {}).get("paused", True))

    def unpause(self, export_id: str, *, backfill: bool = False) -> bool:
        """Resume; with `backfill` PostHog also runs what was missed while paused."""
        data = self._t.write("POST", f"{self._item(export_id)}unpause/", {"backfill": backfill})
        return not bool((data or {}).get("paused", False))

    def delete(self, export_id: str) -> None:
        """PostHog answers 204 and soft-deletes: the schedule and running backfills stop."""
        self._t.write("DELETE", self._item(export_id))

    # --- checks -----------------------------------------------------------------------------

    def test_steps(self, destination_type: str) -> list[TestStep]:
        data = self._t.get(f"{self._path}test/", destination=destination_type)
        return [TestStep.model_validate(s) for s in (data or {}).get("steps", [])]

    def run_test_step(
        self,
        export_id: str,
        *,
        step: int,
        destination_type: str,
        config: dict[str, Any] | None = None,
    ) -> TestStep:
        """One check against the saved export; PostHog merges the stored config, so stored
        secrets are used without being sent."""
        body = {"step": step, "destination": {"type": destination_type, "config": config or {}}}
        data = self._t.write("POST", f"{self._item(export_id)}run_test_step/", body)
        return TestStep.model_validate(data or {})

    def run_new_test_step(
        self, *, step: int, destination_type: str, config: dict[str, Any], **export: Any
    ) -> TestStep:
        """One check for a configuration not saved yet. It sends a POST but changes nothing."""
        body = {
            "step": step,
            "destination": {"type": destination_type, "config": config},
            **{k: v for k, v in export.items() if v is not None},
        }
        data = self._t.write("POST", f"{self._path}run_test_step_new/", body)
        return TestStep.model_validate(data or {})

    # --- logs and runs --------------------------------------------------------------------

    def logs(self, export_id: str, **filters: Unpack[LogFilters]) -> LogPage:
        return fetch_log_page(self._t, f"{self._item(export_id)}logs/", **filters)

    def iter_runs(
        self,
        export_id: str,
        *,
        after: str | None = None,
        before: str | None = None,
        status: Iterable[str] = (),
    ) -> Iterator[BatchExportRun]:
        """Runs newest first across cursor pages. PostHog defaults to the last 7 days."""
        params: dict[str, Any] = {"after": after, "before": before}
        query = [(k, v) for k, v in params.items() if v] + [("status", s) for s in status]
        path = f"{self._item(export_id)}runs/"
        if query:  # `status` repeats (status=Failed&status=…), which params cannot express
            path += "?" + urlencode(query)
        for row in self._t.iter_results(path):
            yield BatchExportRun.model_validate(row)

    def runs(self, export_id: str, *, limit: int = 500, **filters: Any) -> list[BatchExportRun]:
        out = []
        for run in self.iter_runs(export_id, **filters):
            out.append(run)
            if len(out) >= limit:
                break
        return out

    def retry_run(self, export_id: str, run_id: str) -> str | None:
        """Schedules a new run for the same interval; returns the backfill it creates."""
        data = self._t.write(
            "POST", f"{self._item(export_id)}runs/{segment(uuid_id(run_id, 'run'))}/retry/"
        )
        return (data or {}).get("backfill_id")

    def cancel_run(self, export_id: str, run_id: str) -> None:
        self._t.write(
            "POST", f"{self._item(export_id)}runs/{segment(uuid_id(run_id, 'run'))}/cancel/"
        )

    # --- backfills ----------------------------------------------------------------------

    def backfills(self, export_id: str, *, limit: int = 200) -> list[BatchExportBackfill]:
        out = []
        for row in self._t.iter_results(f"{self._item(export_id)}backfills/"):
            out.append(BatchExportBackfill.model_validate(row))
            if len(out) >= limit:
                break
        return out

    def backfill(self, *, export_id: str, backfill_id: str) -> BatchExportBackfill:
        """One backfill, read alone: a running backfill's progress without the whole list."""
        path = f"{self._item(export_id)}backfills/{segment(uuid_id(backfill_id, 'backfill'))}/"
        return BatchExportBackfill.model_validate(self._t.get(path))

    def create_backfill(
        self,
        export_id: str,
        *,
        start_at: date | datetime | None,
        end_at: date | datetime,
    ) -> str | None:
        """Dates for daily and weekly exports, timezone-aware datetimes otherwise (check with
        `backfill_problems` first). Returns the new backfill's id."""
        body = {"start_at": backfill_bound(start_at), "end_at": backfill_bound(end_at)}
        data = self._t.write("POST", f"{self._item(export_id)}backfills/", body)
        return (data or {}).get("backfill_id")

    def cancel_backfill(self, export_id: str, backfill_id: str) -> None:
        self._t.write(
            "POST",
            f"{self._item(export_id)}backfills/{segment(uuid_id(backfill_id, 'backfill'))}/cancel/",
        )
