"""Shared by insights and dashboards: public sharing and the analytics audits."""
