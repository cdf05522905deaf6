"""Public sharing of insights and dashboards, declared once (see components.shared.actions).
Only this module calls a sharing service write."""

from __future__ import annotations
