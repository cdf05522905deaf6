"""Every write the console makes to batch exports, declared once (see components.shared.actions).
Only this module calls a batch exports service write."""

from __future__ import annotations
