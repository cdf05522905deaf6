"""The words of batch exports on screen: destination names, intervals, and each destination
config field's label and help. Which fields exist, which are secret and which are required
is PostHog's rule, kept in services.batch_exports."""

from __future__ import annotations

import json
from typing import Any

from services.batch_exports import field_changes
from services.journal import CHANGED
from services.models import BatchExport

DESTINATION_LABELS = {
    "AwsS3": "Amazon S3",
    "S3Compatible": "S3-compatible",
    "S3": "S3 (legacy)",
    "Snowflake": "Snowflake",
    "Postgres": "Postgres",
    "Redshift": "Redshift",
    "BigQuery": "BigQuery",
    "Databricks": "Databricks",
    "AzureBlob": "Azure Blob Storage",
    "HTTP": "HTTP",
    "NoOp": "No-op (testing)",
    "Workflows": "Workflows (internal)",
}
INTERVAL_LABELS = {
    "hour": "Hourly",
    "day": "Daily",
    "week": "Weekly",
    "every 5 minutes": "Every 5 minutes",
    "every 15 minutes": "Every 15 minutes",
}

# config key → (label, help); a destination may word a key its own way (below)
FIELD_WORDS: dict[str, tuple[str, str]] = {
    "bucket_name": ("Bucket", ""),
    "region": ("Region", "e.g. eu-west-1"),
    "prefix": ("Key prefix", "e.g. posthog/events/"),
    "aws_access_key_id": ("Access key ID", ""),
    "aws_secret_access_key": ("Secret access key", ""),
    "file_format": ("File format", ""),
    "compression": ("Compression", ""),
    "max_file_size_mb": ("Max file size (MB)", ""),
    "kms_key_id": ("KMS key ID", "Only for SSE-KMS encryption"),
    "endpoint_url": ("Endpoint URL", ""),
    "host": ("Host", ""),
    "port": ("Port", ""),
    "database": ("Database", ""),
    "schema": ("Schema", ""),
    "table_name": ("Table", ""),
    "user": ("User", ""),
    "password": ("Password", ""),
    "has_self_signed_cert": ("Server uses a self-signed certificate", ""),
    "properties_data_type": ("Properties column type", ""),
    "account": ("Account", "e.g. myorg-account1"),
    "warehouse": ("Warehouse", ""),
    "role": ("Role", ""),
    "authentication_type": ("Authentication", ""),
    "private_key": ("Private key", ""),
    "private_key_passphrase": ("Private key passphrase", ""),
    "project_id": ("Project ID", ""),
    "dataset_id": ("Dataset ID", ""),
    "table_id": ("Table ID", ""),
    "private_key_id": ("Private key ID", ""),
    "client_email": ("Service account email", ""),
    "token_uri": ("Token URI", ""),
    "use_json_type": ("Use the JSON column type", ""),
    "http_path": ("SQL warehouse HTTP path", ""),
    "catalog": ("Catalog", ""),
    "use_variant_type": ("Use the VARIANT column type", ""),
    "container_name": ("Container", ""),
    "url": ("URL", "Batches are POSTed here as JSON"),
    "token": ("Token", ""),
}
DESTINATION_FIELD_WORDS: dict[tuple[str, str], tuple[str, str]] = {
    ("AzureBlob", "prefix"): ("Blob prefix", ""),
    ("BigQuery", "private_key"): ("Service account private key", ""),
}


def destination_label(destination_type: str) -> str:
    return DESTINATION_LABELS.get(destination_type, destination_type)


def field_words(destination_type: str, key: str) -> tuple[str, str]:
    """(label, help) of one config field; an unknown key shows as itself."""
    return DESTINATION_FIELD_WORDS.get((destination_type, key), FIELD_WORDS.get(key, (key, "")))


def change_rows(export: BatchExport | None, body: dict[str, Any]) -> list[dict[str, str]]:
    """The diff shown before saving: a row per changed field, a secret never with its value."""
    rows = []
    for field, change in field_changes(export, body).items():
        if change == CHANGED:
            rows.append({"Field": field, "Now": "(stored secret)", "After saving": "(new secret)"})
        elif isinstance(change, dict):
            rows.append(
                {
                    "Field": field,
                    "Now": _shown(change["before"]),
                    "After saving": _shown(change["after"]),
                }
            )
    return rows


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)
    return str(value)
