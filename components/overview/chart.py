"""The fleet's daily deliveries: delivered against failed per day, with the failure rate."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from services.query import FleetDaily, by_kind


def to_frame(daily: FleetDaily) -> pd.DataFrame:
    rows = []
    for i, day in enumerate(daily.days):
        kinds = by_kind({name: values[i] for name, values in daily.series.items()})
        delivered, failed = kinds.get("success", 0), kinds.get("failure", 0)
        attempted = delivered + failed
        rows.append(
            {
                "Day": pd.Timestamp(day),
                "Delivered": delivered,
                "Failed": failed,
                "Failure rate": failed / attempted if attempted else None,
            }
        )
    return pd.DataFrame(rows, columns=["Day", "Delivered", "Failed", "Failure rate"])


def render(frame: pd.DataFrame, *, key: str = "ov_chart") -> None:
    bars = (
        alt.Chart(frame)
        .transform_fold(["Delivered", "Failed"], as_=["Outcome", "Deliveries"])
        .mark_bar()
        .encode(
            x=alt.X("yearmonthdate(Day):O", title=None),
            y=alt.Y("Deliveries:Q", title="Deliveries"),
            color=alt.Color(
                "Outcome:N",
                scale=alt.Scale(domain=["Delivered", "Failed"], range=["#2e7d32", "#c62828"]),
                legend=alt.Legend(orient="top", title=None),
            ),
            tooltip=["yearmonthdate(Day):T", "Outcome:N", alt.Tooltip("Deliveries:Q", format=",")],
        )
    )
    rate = (
        alt.Chart(frame)
        .mark_line(point=True, color="#f57c00")
        .encode(
            x=alt.X("yearmonthdate(Day):O", title=None),
            y=alt.Y("Failure rate:Q", axis=alt.Axis(format="%", title="Failure rate")),
            tooltip=["yearmonthdate(Day):T", alt.Tooltip("Failure rate:Q", format=".1%")],
        )
    )
    st.altair_chart(alt.layer(bars, rate).resolve_scale(y="independent"), width="stretch", key=key)
