"""The analyst page's "Which assumptions matter": Sobol indices of a chosen scenario's uncertain assumptions
(sim.analysis.sensitivity), ranked, and how their importance changes over the run."""

from __future__ import annotations

from typing import Any

import streamlit as st

from sim.analysis.sensitivity import SensitivityResult, sensitivity
from sim.scenario import Scenario, ScenarioError
from sim.ui.common import label, palette

OUTPUTS = ("pmo_performance", "pmo_survival", "cumulative_net_value", "executive_support", "delivery_performance",
           "strategic_value_realization")
SAMPLE_SIZES = (64, 128, 256, 512, 1024)


def ranking_chart(result: SensitivityResult) -> dict[str, Any]:
    """Vega-Lite: the inputs ranked by total index, with first-order bars and confidence intervals."""
    table = result.ranking()
    rows = []
    for row in table.itertuples():
        for kind, value, conf in (("total (ST)", row.ST, row.ST_conf), ("first order (S1)", row.S1, row.S1_conf)):
            rows.append({"assumption": label(row.parameter), "index": kind, "value": float(value),
                         "low": float(value - conf), "high": float(value + conf), "rank": int(row.rank)})
    y = {"field": "assumption", "type": "nominal", "sort": {"field": "rank"}, "title": None, "axis": {"labelLimit": 260}}
    colour = {"field": "index", "type": "nominal", "title": None, "legend": {"orient": "bottom"},
              "scale": {"range": palette(2)}}
    return {
        "title": f"{label(table['output'].iloc[0])} at month {table['month'].iloc[0]:g}",
        "data": {"values": rows}, "height": {"step": 14}, "autosize": {"type": "fit-x", "contains": "padding"},
        "encoding": {"y": y, "yOffset": {"field": "index"}, "color": colour},
        "layer": [
            {"mark": "bar", "encoding": {"x": {"field": "value", "type": "quantitative", "title": "share of the variance"},
                                         "tooltip": [{"field": "assumption"}, {"field": "index"},
                                                     {"field": "value", "format": ".3f"}]}},
            {"mark": {"type": "rule", "color": "#333"}, "encoding": {"x": {"field": "low", "type": "quantitative"},
                                                                      "x2": {"field": "high"}}},
        ],
    }


def over_time_chart(result: SensitivityResult, shown: int = 6) -> dict[str, Any]:
    """Vega-Lite: the total index of the assumptions that matter most, month by month."""
    over = result.over_time
    top = over.groupby("parameter")["ST"].max().sort_values(ascending=False).index[:shown]
    rows = [{"month": float(r.month), "assumption": label(r.parameter), "ST": float(r.ST)}
            for r in over[over["parameter"].isin(top)].itertuples()]
    names = [label(n) for n in top]
    return {
        "title": "Total index over the run", "data": {"values": rows}, "height": 240,
        "autosize": {"type": "fit-x", "contains": "padding"}, "mark": {"type": "line", "strokeWidth": 2.5, "point": True},
        "encoding": {"x": {"field": "month", "type": "quantitative"},
                     "y": {"field": "ST", "type": "quantitative", "title": "total index (ST)", "scale": {"domain": [0, 1]}},
                     "color": {"field": "assumption", "type": "nominal", "title": None, "legend": {"orient": "bottom", "columns": 2, "labelLimit": 0},
                               "scale": {"domain": names, "range": palette(len(names))}},
                     "tooltip": [{"field": "assumption"}, {"field": "month"}, {"field": "ST", "format": ".3f"}]},
    }


def assumptions_section(scenarios: list[Scenario]) -> None:
    """Choose a scenario with uncertain assumptions and an output; rank the assumptions by their Sobol indices."""
    st.subheader("Which assumptions matter")
    uncertain = {s.name: s for s in scenarios if s.spec.uncertainty is not None and s.spec.uncertainty.params}
    if not uncertain:
        st.caption("Choose a scenario with an [uncertainty] table above to see which of its assumptions matter.")
        return
    st.caption("Sobol indices (Saltelli et al. 2010): the share of an output's variance that each uncertain assumption "
               "explains alone (first order) and with its interactions (total). An assumption with a total index near 0 "
               "can be fixed anywhere in its range without changing the answer.")
    first, second, third = st.columns(3)
    name = first.selectbox("Scenario", list(uncertain), key="sens_scenario")
    output = second.selectbox("Output", OUTPUTS, format_func=label, key="sens_output")
    n = third.select_slider("Base sample (runs = n x (assumptions + 2))", SAMPLE_SIZES, value=256, key="sens_n")
    key = (name, output, n)
    if st.button("Rank the assumptions", key="sens_run"):
        with st.spinner("Running the Sobol design..."):
            try:
                st.session_state["sens_result"] = (key, sensitivity(uncertain[name], outputs=[output], n=n))
            except ScenarioError as error:
                st.error("\n".join(f"`{p}`" for p in error.problems))
                return
    found = st.session_state.get("sens_result")
    if found is None:
        return
    shown_key, result = found
    if shown_key != key:
        st.warning("These indices are for an earlier choice; press **Rank the assumptions** for the current one.")
    left, right = st.columns(2)
    left.vega_lite_chart(ranking_chart(result), width="stretch")
    right.vega_lite_chart(over_time_chart(result), width="stretch")
    top = result.ranking()
    st.markdown(f"Most important for **{label(top['output'].iloc[0])}**: " +
                ", ".join(f"**{label(p)}** ({v:.2f})" for p, v in zip(top["parameter"].head(3), top["ST"].head(3))) +
                f" ({result.runs:,} runs).")
    for warning in result.warnings:
        st.info(warning)
    st.download_button("Download the indices (CSV)", lambda: result.indices.to_csv(index=False),
                       file_name=f"{shown_key[0]}_sensitivity.csv", mime="text/csv", key="sens_download")
