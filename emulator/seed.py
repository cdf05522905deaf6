"""Deterministic demo data: users, projects, templates and hog functions."""

from __future__ import annotations

import copy
import random
import uuid
import zlib
from datetime import UTC, datetime, timedelta

USERS = [
    {"id": 1, "first_name": "Ada", "last_name": "Okafor", "email": "ada@hedgebox.example"},
    {"id": 2, "first_name": "Bruno", "last_name": "Silva", "email": "bruno@hedgebox.example"},
    {"id": 3, "first_name": "Chen", "last_name": "Wei", "email": "chen@hedgebox.example"},
    {"id": 4, "first_name": "Dana", "last_name": "Kowalski", "email": "dana@hedgebox.example"},
]
# the key's user (Ada) is a plain member: 1 member, 8 admin, 15 owner, as in PostHog
ORGANIZATION = {
    "id": "0190a3b2-0000-7000-8000-000000000001",
    "name": "Hedgebox Inc.",
    "membership_level": 1,
}
PROJECTS = [
    {"id": 1, "name": "Hedgebox (production)", "timezone": "UTC"},
    {"id": 2, "name": "Hedgebox (staging)", "timezone": "Europe/Berlin"},
    # an empty project to copy functions and exports into
    {"id": 3, "name": "Hedgebox (sandbox)", "timezone": "UTC"},
]


def user_basic(user: dict) -> dict:
    """PostHog's UserBasic for one of the demo users."""
    return {
        **user,
        "uuid": f"01900000-0000-4000-8000-{user['id']:012d}",
        "distinct_id": f"user-{user['id']}",
        "is_email_verified": True,
        "hedgehog_config": None,
        "role_at_organization": "engineering",
    }


URL_INPUT = {"key": "url", "type": "string", "label": "Webhook URL", "required": True}


def _secret(key: str, label: str) -> dict:
    return {"key": key, "type": "string", "label": label, "required": True, "secret": True}


def _integration(key: str, kind: str, label: str) -> dict:
    """An input holding the integer id of one of the project's integrations (OAuth and the
    like), as PostHog's Slack, HubSpot, Salesforce and Pub/Sub templates have."""
    return {
        "key": key,
        "type": "integration",
        "integration": kind,
        "label": label,
        "required": True,
    }


# the id of the project's integration of each kind that seeded functions use
INTEGRATION_IDS = {"slack": 23, "hubspot": 31, "salesforce": 37, "google-pubsub": 41}
SLACK_BLOCKS = [
    {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "*{person.name}* triggered {event.event}"},
    },
    {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "url": "{person.url}",
                "text": {"type": "plain_text", "text": "Person"},
            }
        ],
    },
]


def _schema(*items: dict) -> list[dict]:
    return [{"required": False, "secret": False, **item} for item in items]


# (id, name, type, status, category, free, inputs_schema, description)
_TEMPLATES = [
    (
        "template-slack",
        "Slack",
        "destination",
        "stable",
        ["Customer Success"],
        True,
        _schema(
            _integration("slack_workspace", "slack", "Slack workspace"),
            {
                "key": "channel",
                "type": "integration_field",
                "integration_key": "slack_workspace",
                "integration_field": "slack_channel",
                "label": "Channel to post to",
                "required": True,
            },
            {"key": "icon_emoji", "type": "string", "label": "Emoji icon", "default": ":hedgehog:"},
            {"key": "username", "type": "string", "label": "Bot name", "default": "PostHog"},
            {"key": "blocks", "type": "json", "label": "Blocks", "default": SLACK_BLOCKS},
            {
                "key": "text",
                "type": "string",
                "label": "Plain text message",
                "default": "*{person.name}* triggered {event.event}",
            },
        ),
        "Send a message to a Slack channel",
    ),
    (
        "template-webhook",
        "HTTP Webhook",
        "destination",
        "stable",
        ["Custom"],
        False,
        _schema(
            URL_INPUT,
            {
                "key": "method",
                "type": "choice",
                "label": "Method",
                "default": "POST",
                "choices": [{"label": m, "value": m} for m in ("POST", "PUT", "PATCH", "GET")],
            },
            {"key": "body", "type": "json", "label": "JSON body", "default": {"event": "{event}"}},
            {"key": "headers", "type": "dictionary", "label": "Headers", "default": {}},
            {"key": "auth_token", "type": "string", "label": "Bearer token", "secret": True},
            {"key": "debug", "type": "boolean", "label": "Log responses", "default": False},
        ),
        "Send a webhook to any HTTP endpoint",
    ),
    (
        "template-hubspot",
        "HubSpot",
        "destination",
        "stable",
        ["CRM"],
        False,
        _schema(
            _integration("oauth", "hubspot", "Hubspot connection"),
            {
                "key": "email",
                "type": "string",
                "label": "Email",
                "default": "{person.properties.email}",
                "required": True,
            },
            {
                "key": "properties",
                "type": "dictionary",
                "label": "Contact properties",
                "default": {"firstname": "{person.properties.first_name}"},
                "required": True,
            },
        ),
        "Create or update contacts in HubSpot",
    ),
    (
        "template-discord",
        "Discord",
        "destination",
        "stable",
        ["Customer Success"],
        True,
        _schema(
            _secret("webhookUrl", "Discord webhook URL"),
            {"key": "content", "type": "string", "label": "Content", "default": "{event.event}"},
        ),
        "Post a message to a Discord channel",
    ),
    (
        "template-microsoft-teams",
        "Microsoft Teams",
        "destination",
        "stable",
        ["Customer Success"],
        True,
        _schema(URL_INPUT),
        "Post a card to a Teams channel",
    ),
    (
        "template-salesforce-create",
        "Salesforce",
        "destination",
        "beta",
        ["CRM"],
        False,
        _schema(
            _integration("oauth", "salesforce", "Salesforce account"),
            {"key": "path", "type": "string", "label": "Object path", "default": "Contact"},
        ),
        "Create Salesforce objects",
    ),
    (
        "template-google-pubsub",
        "Google Pub/Sub",
        "destination",
        "beta",
        ["Custom"],
        False,
        _schema(
            _integration("auth", "google-pubsub", "Google Cloud service account"),
            {"key": "topicId", "type": "string", "label": "Topic name", "required": True},
            {
                "key": "payload",
                "type": "json",
                "label": "Message payload",
                "default": {"event": "{event}", "person": "{person}"},
            },
            {"key": "attributes", "type": "json", "label": "Attributes", "default": {}},
        ),
        "Send data to a Google Pub/Sub topic",
    ),
    (
        "template-customerio",
        "Customer.io",
        "destination",
        "stable",
        ["Email Marketing"],
        False,
        _schema(
            {"key": "site_id", "type": "string", "label": "Site ID", "required": True},
            _secret("token", "API key"),
        ),
        "Identify and track customers in Customer.io",
    ),
    (
        "template-brevo",
        "Brevo",
        "destination",
        "beta",
        ["Email Marketing"],
        False,
        _schema(_secret("apiKey", "API key")),
        "Update contacts in Brevo",
    ),
    (
        "template-mailchimp",
        "Mailchimp",
        "destination",
        "alpha",
        ["Email Marketing"],
        False,
        _schema(
            _secret("apiKey", "API key"),
            {"key": "audienceId", "type": "string", "label": "Audience", "required": True},
        ),
        "Add subscribers to a Mailchimp audience",
    ),
    (
        "template-google-ads",
        "Google Ads conversions",
        "destination",
        "alpha",
        ["Advertisement"],
        False,
        _schema({"key": "customerId", "type": "string", "label": "Customer ID", "required": True}),
        "Send offline conversions to Google Ads",
    ),
    (
        "template-meta-ads",
        "Meta Ads conversions",
        "destination",
        "beta",
        ["Advertisement"],
        False,
        _schema(
            _secret("accessToken", "Access token"),
            {"key": "pixelId", "type": "string", "label": "Pixel ID", "required": True},
        ),
        "Send conversion events to Meta",
    ),
    (
        "template-amplitude",
        "Amplitude",
        "destination",
        "stable",
        ["Analytics"],
        False,
        _schema(_secret("apiKey", "API key")),
        "Forward events to Amplitude",
    ),
    (
        "template-mixpanel",
        "Mixpanel",
        "destination",
        "stable",
        ["Analytics"],
        False,
        _schema({"key": "token", "type": "string", "label": "Project token", "required": True}),
        "Forward events to Mixpanel",
    ),
    (
        "template-braze",
        "Braze",
        "destination",
        "beta",
        ["Customer Success"],
        False,
        _schema(
            {"key": "brazeEndpoint", "type": "string", "label": "REST endpoint", "required": True},
            _secret("apiKey", "API key"),
        ),
        "Track users in Braze",
    ),
    (
        "template-intercom",
        "Intercom",
        "destination",
        "stable",
        ["Customer Success"],
        False,
        _schema(_secret("access_token", "Access token")),
        "Update Intercom contacts",
    ),
    (
        "template-zendesk",
        "Zendesk",
        "destination",
        "stable",
        ["Customer Success"],
        False,
        _schema(
            {"key": "subdomain", "type": "string", "label": "Subdomain", "required": True},
            _secret("token", "API token"),
        ),
        "Update Zendesk users",
    ),
    (
        "template-linear",
        "Linear",
        "destination",
        "beta",
        ["Productivity"],
        True,
        _schema({"key": "team", "type": "string", "label": "Team", "required": True}),
        "Create Linear issues from events",
    ),
    (
        "template-attio",
        "Attio",
        "destination",
        "stable",
        ["CRM"],
        False,
        _schema(_secret("apiKey", "API key")),
        "Sync people to Attio",
    ),
    (
        "template-old-segment",
        "Segment (legacy)",
        "destination",
        "deprecated",
        ["Analytics"],
        False,
        _schema(URL_INPUT),
        "Deprecated: use the Webhook destination",
    ),
    (
        "template-internal-pager",
        "PagerDuty (internal)",
        "destination",
        "hidden",
        ["Custom"],
        False,
        _schema(URL_INPUT),
        "Internal-only template",
    ),
    (
        "template-geoip",
        "GeoIP",
        "transformation",
        "stable",
        ["Transformation"],
        True,
        [],
        "Add country and city properties from the IP address",
    ),
    (
        "template-ip-anonymization",
        "IP anonymization",
        "transformation",
        "stable",
        ["Transformation"],
        True,
        [],
        "Zero the last octet of IP addresses",
    ),
    (
        "template-url-masking",
        "URL parameter masking",
        "transformation",
        "beta",
        ["Transformation"],
        True,
        _schema(
            {
                "key": "maskWithValue",
                "type": "string",
                "label": "Replace with",
                "default": "<masked>",
            }
        ),
        "Remove sensitive query parameters",
    ),
    (
        "template-bot-filter",
        "Bot filter",
        "transformation",
        "alpha",
        ["Transformation"],
        True,
        _schema(
            {
                "key": "userAgent",
                "type": "string",
                "label": "User agent property",
                "default": "$raw_user_agent",
            }
        ),
        "Drop events from known bots",
    ),
    (
        "template-pii-hashing",
        "PII hashing",
        "transformation",
        "beta",
        ["Transformation"],
        True,
        _schema({"key": "salt", "type": "string", "label": "Salt", "secret": True}),
        "Hash email and phone properties",
    ),
    (
        "template-hello-world",
        "Hello world",
        "site_app",
        "stable",
        ["Custom"],
        True,
        _schema({"key": "name", "type": "string", "label": "Name", "default": "world"}),
        "A site app that says hello",
    ),
    (
        "template-notification-bar",
        "Notification bar",
        "site_app",
        "stable",
        ["Custom"],
        True,
        _schema({"key": "message", "type": "string", "label": "Message", "required": True}),
        "Show a notification bar on your site",
    ),
    (
        "template-pineapple-mode",
        "Pineapple mode",
        "site_app",
        "alpha",
        ["Custom"],
        True,
        [],
        "Rain pineapples on your site",
    ),
    (
        "template-gtag",
        "Google tag (site)",
        "site_destination",
        "beta",
        ["Analytics"],
        True,
        _schema({"key": "tagId", "type": "string", "label": "Tag ID", "required": True}),
        "Send events to Google tag in the browser",
    ),
    (
        "template-debug-posthog",
        "Debug to PostHog",
        "internal_destination",
        "stable",
        ["Custom"],
        True,
        _schema(URL_INPUT),
        "Send internal alerts to an HTTP endpoint",
    ),
    (
        "template-source-webhook",
        "Incoming webhook",
        "source_webhook",
        "beta",
        ["Custom"],
        True,
        _schema(
            {
                "key": "eventName",
                "type": "string",
                "label": "Event name",
                "default": "webhook_received",
            }
        ),
        "Receive events from any HTTP POST",
    ),
]


def templates() -> dict[str, dict]:
    out = {}
    for tid, name, ftype, status, category, free, schema, description in _TEMPLATES:
        domain = name.split()[0].lower().strip("()") + ".com"
        out[tid] = {
            "id": tid,
            "name": name,
            "description": description,
            "code": f"// {name}\nlet res := fetch(inputs.url ?? 'https://example.com', {{}})\n",
            "code_language": "javascript" if ftype.startswith("site") else "hog",
            "inputs_schema": schema,
            "type": ftype,
            "status": status,
            "category": category,
            "free": free,
            "icon_url": f"/static/services/{domain}.png",
            "filters": {"events": [{"id": "$pageview", "type": "events"}]}
            if ftype == "destination"
            else None,
            "masking": None,
            "mapping_templates": [],
        }
    return out


_DESTINATION_NAMES = [
    "Slack #growth-alerts",
    "Discord #community",
    "HubSpot – contact sync (EU)",
    "HubSpot – contact sync (US)",
    "Webhook → Zapier lead router",
    "Slack #sales-signups",
    "Teams – support escalations",
    "Customer.io onboarding",
    "Brevo newsletter",
    "Mailchimp audience sync",
    "Google Ads – purchase conversions",
    "Meta CAPI – signups",
    "Amplitude mirror",
    "Mixpanel backfill",
    "Braze lifecycle",
    "Intercom user sync",
    "Zendesk user sync",
    "Linear bug reports",
    "Attio CRM sync",
    "Google Pub/Sub → data lake",
    "Salesforce leads",
    "Webhook → billing service",
    "Slack #incidents",
]
_TRANSFORMATION_NAMES = [
    "GeoIP enrichment",
    "IP anonymization",
    "URL parameter masking",
    "Bot filter",
    "PII hashing",
    "Drop internal traffic",
    "Normalize UTM params",
    "Rename legacy events",
]
_HOSTILE = [
    "<img src=x onerror=alert('xss')> Webhook",
    "[Click here](https://evil.example) **urgent** <script>alert(1)</script>",
]
_REGIONS = ["EU", "US", "APAC", "staging", "v2", "backup", "marketing", "product", "ops", "test"]
_TEMPLATE_FOR = {
    "Slack": "template-slack",
    "HubSpot": "template-hubspot",
    "Webhook": "template-webhook",
    "Discord": "template-discord",
    "Teams": "template-microsoft-teams",
    "Customer.io": "template-customerio",
    "Brevo": "template-brevo",
    "Mailchimp": "template-mailchimp",
    "Google Pub/Sub": "template-google-pubsub",
    "Google": "template-google-ads",
    "Meta": "template-meta-ads",
    "Amplitude": "template-amplitude",
    "Mixpanel": "template-mixpanel",
    "Braze": "template-braze",
    "Intercom": "template-intercom",
    "Zendesk": "template-zendesk",
    "Linear": "template-linear",
    "Attio": "template-attio",
    "Salesforce": "template-salesforce-create",
    "GeoIP": "template-geoip",
    "IP": "template-ip-anonymization",
    "URL": "template-url-masking",
    "Bot": "template-bot-filter",
    "PII": "template-pii-hashing",
}
NOW = datetime.now(UTC).replace(microsecond=0)


def new_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _input_value(item: dict, rng: random.Random, name: str) -> object:
    key, kind = item["key"], item["type"]
    if item.get("secret"):
        return f"sk-{key}-{rng.getrandbits(40):x}"
    if "url" in key.lower():
        host = "fail.example" if "fail" in name.lower() else "hooks.example.com"
        return f"https://{host}/{key}/{rng.getrandbits(24):x}"
    if kind == "boolean":
        return rng.random() < 0.5
    if kind in ("json", "dictionary"):
        return copy.deepcopy(item.get("default") or {"event": "{event.event}"})
    if kind == "integration":
        return INTEGRATION_IDS[item["integration"]]
    if item.get("integration_field") == "slack_channel":
        channel = name.split("#", 1)[1].split()[0] if "#" in name else "alerts"
        return f"C{zlib.crc32(channel.encode()):08X}|#{channel}"
    if kind == "choice":
        return item.get("default") or item["choices"][0]["value"]
    return item.get("default") or f"{key}-{rng.randint(1, 999)}"


def hog_functions(rng: random.Random, count: int, team_id: int, tmpl: dict[str, dict]) -> list:
    """`count` functions of every type and health; profile drives metrics and logs."""
    plan: list[tuple[str, str]] = []
    transformations = max(3, count // 12)
    site = max(1, count // 30)
    for i in range(transformations):
        plan.append(("transformation", _TRANSFORMATION_NAMES[i % len(_TRANSFORMATION_NAMES)]))
    for i in range(site):
        plan.append(("site_app", ["Notification bar", "Hello world", "Pineapple mode"][i % 3]))
        plan.append(("site_destination", "Google tag (site)"))
    plan.append(("internal_destination", "Alerts → on-call webhook"))
    plan.append(("source_webhook", "Stripe webhook intake"))
    while len(plan) < count:
        plan.append(("destination", _DESTINATION_NAMES[len(plan) % len(_DESTINATION_NAMES)]))
    plan = plan[:count]
    if count >= 50:
        plan[-1] = ("destination", _HOSTILE[0])
        plan[-2] = ("destination", _HOSTILE[1])

    out, used, enabled_transformations = [], set(), 0
    for index, (ftype, base) in enumerate(plan):
        name = base
        while name in used:
            name = f"{base} ({rng.choice(_REGIONS)}{rng.randint(2, 99)})"
        used.add(name)
        template_id = next((t for k, t in _TEMPLATE_FOR.items() if base.startswith(k)), None)
        if ftype == "site_app":
            template_id = {"N": "template-notification-bar", "H": "template-hello-world"}.get(
                base[0], "template-pineapple-mode"
            )
        elif ftype == "site_destination":
            template_id = "template-gtag"
        elif ftype == "internal_destination":
            template_id = "template-debug-posthog"
        elif ftype == "source_webhook":
            template_id = "template-source-webhook"
        elif template_id is None:
            template_id = "template-webhook"
        template = tmpl[template_id]
        roll = rng.random()
        enabled = roll > 0.18
        if ftype == "transformation":
            enabled = enabled and enabled_transformations < 18
            enabled_transformations += enabled
        if not enabled:
            state, profile = 0, "paused"
        else:
            state = rng.choices([1, 2, 3, 11, 12, 0], weights=[60, 12, 8, 3, 2, 8])[0]
            profile = {1: "healthy", 0: "healthy", 2: "degraded", 11: "degraded"}.get(
                state, "failing"
            )
            if state == 1 and rng.random() < 0.06:
                profile = "failing"  # failing heavily before the watcher reacts
        schema = [dict(item) for item in template["inputs_schema"]]
        values = {item["key"]: _input_value(item, rng, name) for item in schema}
        if index % 9 == 0 and ftype == "destination" and not any(s.get("secret") for s in schema):
            schema.append(
                {
                    "key": "api_key",
                    "type": "string",
                    "label": "API key",
                    "required": False,
                    "secret": True,
                }
            )
            values["api_key"] = f"sk-live-{rng.getrandbits(48):x}"
        created = NOW - timedelta(days=rng.randint(20, 400), minutes=rng.randint(0, 1440))
        updated = created + (NOW - created) * rng.random()
        out.append(
            {
                "id": new_uuid(rng),
                "team_id": team_id,
                "type": ftype,
                "name": name,
                "description": template["description"] if rng.random() < 0.7 else "",
                "created_at": created,
                "created_by": dict(rng.choice(USERS)),
                "updated_at": updated,
                "enabled": enabled,
                "deleted": False,
                "hog": template["code"],
                "inputs_schema": schema,
                "values": values,
                "filters": dict(template["filters"] or {}) if ftype == "destination" else {},
                "masking": None,
                "mappings": None,
                "icon_url": template["icon_url"],
                "template_id": template_id,
                "state": state,
                "execution_order": None,
                "batch_export_id": None,
                "profile": profile,
                "disabled_at": updated if not enabled else None,
            }
        )
    order = 1
    for fn in out:
        if fn["type"] == "transformation" and fn["enabled"]:
            fn["execution_order"] = order
            order += 1
    return out
