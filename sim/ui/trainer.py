"""Trainer: the short-cycle versus the long-cycle engine, worse before better, risk as a catalyst."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from sim.demonstrations import risk_catalyst, short_vs_long_cycle, worse_before_better
from sim.diagram import LOOP_MEANINGS, NAMED_LOOPS, causal_dot
from sim.ui.common import MODEL


@st.cache_data(show_spinner=False)
def _cycles(size: float, at: float):
    return short_vs_long_cycle(size=size, at=at)


@st.cache_data(show_spinner=False)
def _move(fraction: float, at: float) -> pd.DataFrame:
    return worse_before_better(fraction=fraction, at=at)


@st.cache_data(show_spinner=False)
def _catalyst(size: float, at: float) -> pd.DataFrame:
    return risk_catalyst(size=size, at=at)


def response_chart(frame: pd.DataFrame, title: str, *, marks: dict[str, float] | None = None, zero: bool = True) -> alt.LayerChart:
    long = frame.reset_index().melt("time", var_name="response", value_name="change")
    # "execution: PMO Performance" -> colour by what changed, dash by which output.
    parts = long["response"].str.split(": ", n=1, expand=True)
    long["case"], long["output"] = parts[0], parts[1] if parts.shape[1] > 1 else parts[0]
    layers = [alt.Chart(long).mark_line(strokeWidth=2.5).encode(
        x=alt.X("time:Q", title="month"),
        y=alt.Y("change:Q", title="change against the unchanged run"),
        color=alt.Color("case:N", title=None, legend=alt.Legend(orient="bottom")),
        strokeDash=alt.StrokeDash("output:N", title=None, legend=alt.Legend(orient="bottom")),
        tooltip=["response", "time", alt.Tooltip("change:Q", format=".4f")],
    )]
    if zero:
        layers.append(alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color="gray").encode(y="y:Q"))
    if marks:
        rules = pd.DataFrame({"month": list(marks.values()), "label": list(marks)})
        layers.append(alt.Chart(rules).mark_rule(strokeDash=[4, 3]).encode(x="month:Q", tooltip=["label", "month"]))
        layers.append(alt.Chart(rules).mark_text(align="left", dx=4, dy=-6, fontSize=11).encode(x="month:Q", y=alt.value(12), text="label"))
    return alt.layer(*layers).properties(title=title, height=300)


def render() -> None:
    st.title("Trainer: the short-cycle and the long-cycle engine")
    st.markdown(
        "The same money buys results on two clocks. The **execution track** (governance, delivery support) "
        "acts on delivery directly, within months. The **value track** (strategic alignment, value management) "
        "acts only through **PMO Transformation**, a delayed converter: slow to start, larger and more durable."
    )
    left, right = st.columns(2)
    size = left.slider("Step size (extra budget, % of the default budget)", 5, 100, 25, step=5, key="step_size") / 100
    at = right.slider("Start month of the step", 0, 60, 12, step=1, key="step_month")

    st.header("1. A step into each track")
    cycles = _cycles(size, float(at))
    marks = {f"{track}: half of its effect after {months:.0f} months": at + months
             for track, months in cycles.half_time.items() if months == months}
    st.altair_chart(response_chart(cycles.responses, f"From month {at}: {size:.0%} more budget, all into one track", marks=marks),
                    width="stretch")
    execution, value = cycles.half_time["execution"], cycles.half_time["value"]
    st.markdown(
        f"The execution step reaches half of its final effect on PMO Performance **{execution:.0f} months** after the "
        f"step; the value step needs **{value:.0f} months**, but ends larger. Short cycle: months. Long cycle: years."
    )

    st.header("2. Worse before better")
    fraction = st.slider("Share of the execution budget moved to the value track", 0.1, 1.0, 0.5, step=0.05, key="move_fraction")
    moved = _move(fraction, float(at))
    dip = moved["PMO Performance"].loc[at:].idxmin()
    st.altair_chart(response_chart(moved, f"From month {at}: {fraction:.0%} of the execution shares move to the value track"),
                    width="stretch")
    st.markdown(
        f"Delivery drops within months while transformation has not yet arrived: PMO Performance is lowest at month "
        f"**{dip:.0f}**. Then the long cycle pays back. Leaders who judge the move at its worst moment reverse it."
    )

    st.header("3. Risk as a catalyst")
    shock = st.slider("Size of a 3-month risk shock", 0.1, 1.0, 0.5, step=0.05, key="shock_size")
    catalyst = _catalyst(shock, float(at) if at >= 1 else 1.0)
    st.altair_chart(response_chart(catalyst, "A risk shock with high and with no Capability Development"), width="stretch")
    st.markdown(
        "Risk signals never lower performance directly. Past the organisation's tolerance they trigger transformation, "
        "which raises performance later, but only in a PMO ready to transform (Capability Development)."
    )

    st.header("4. The causal structure and its loops")
    st.graphviz_chart(causal_dot(MODEL), width="stretch")
    st.caption("Drawn from the model file's dependency graph. Boxes are stocks; dashed arrows pass through a delay. "
               "Blue: execution track; orange: value track.")
    st.table(pd.DataFrame([
        {"loop": name, "what it does": LOOP_MEANINGS[name],
         "path": " -> ".join(MODEL.variables[n].name for n in NAMED_LOOPS[name] + NAMED_LOOPS[name][:1])}
        for name in NAMED_LOOPS
    ]))
