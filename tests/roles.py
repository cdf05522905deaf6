"""The [console.roles] table the sign-in tests share, in the issue's exact shape."""

ROLES = {
    "admins": ["ada@acme.test"],
    "operators": ["@acme.test"],
    "viewers": ["val@partner.test"],
    "default": "none",
    "claim": "groups",
    "claim_admins": ["posthog-admins"],
    "claim_operators": ["posthog-operators"],
}
