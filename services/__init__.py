"""PostHog REST client and resource services. Imports no Streamlit."""

from services.client import EU_CLOUD, US_CLOUD, PostHogClient
from services.concurrency import fetch_concurrently
from services.hog_functions import ALL_TYPES, HEALTH_STATES, health_of

__all__ = [
    "ALL_TYPES",
    "EU_CLOUD",
    "HEALTH_STATES",
    "US_CLOUD",
    "PostHogClient",
    "fetch_concurrently",
    "health_of",
]
