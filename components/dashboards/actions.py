"""Every write the console makes to dashboards, declared once (see components.shared.actions).
Only this module calls a dashboards service write."""

from __future__ import annotations
