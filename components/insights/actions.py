"""Every write the console makes to insights, declared once (see components.shared.actions).
Only this module calls a insights service write."""

from __future__ import annotations
