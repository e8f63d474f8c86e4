"""Which loop dominates when, on the trainer page: under each demonstration the families' relative loop
scores on the months of its behaviour chart, dominant periods shaded; and the causal diagram with each
arrow's colour and width taken from its link score at a month chosen with a slider (or played)."""

from __future__ import annotations

import functools
import time
from typing import Mapping

import altair as alt
import networkx as nx
import numpy as np
import pandas as pd
import streamlit as st

from sim.analysis.loop_catalogue import MEANINGS
from sim.analysis.loops import LoopDominance, run_loop_dominance
from sim.diagram import DIAGRAM_NODES, causal_dot, condensed_edges
from sim.loop_charts import family_colour
from sim.ui.common import MODEL


@st.cache_data(show_spinner="Scoring every feedback loop at every month (Loops that Matter) ...", max_entries=32)
def study(params: Mapping[str, float | pd.Series], final_time: float = 120) -> LoopDominance:
    return run_loop_dominance(dict(params), final_time=final_time)


def dominance_chart(result: LoopDominance, *, height: int = 170, title: str = "Which loops dominate (relative loop score)") -> alt.LayerChart:
    """Each family's composite relative loop score by month, the dominant periods shaded in the colour of their largest family."""
    frame = result.family_frame(0)
    shown = [f for f in result.families if frame[f].abs().max() >= 0.01]
    long = frame[shown].reset_index().melt("time", var_name="loop family", value_name="score")
    colours = alt.Scale(domain=shown, range=[family_colour(f, i) for i, f in enumerate(shown)])
    periods = pd.DataFrame([{"start": p.start - 0.5, "end": p.end + 0.5, "dominant": " + ".join(p.loops),
                             "meaning": "; ".join(MEANINGS.get(f, "") for f in p.loops), "colour": family_colour(p.loops[0])}
                            for p in result.dominant_periods(level="family")], columns=["start", "end", "dominant", "meaning", "colour"])
    shade = alt.Chart(periods).mark_rect(opacity=0.13).encode(
        x=alt.X("start:Q", title="month"), x2="end:Q", color=alt.Color("colour:N", scale=None, legend=None),
        tooltip=["dominant", "meaning", alt.Tooltip("start:Q", format=".0f"), alt.Tooltip("end:Q", format=".0f")])
    lines = alt.Chart(long).mark_line(strokeWidth=2.2).encode(
        x=alt.X("time:Q", title="month", scale=alt.Scale(domain=[float(result.times[0]), float(result.times[-1])])),
        y=alt.Y("score:Q", title="+ reinforcing / − balancing", scale=alt.Scale(domain=[-1, 1])),
        color=alt.Color("loop family:N", scale=colours, legend=alt.Legend(orient="bottom", labelLimit=0, columns=4)),
        tooltip=["loop family", "time", alt.Tooltip("score:Q", format=".2f")])
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color="gray").encode(y="y:Q")
    # independent colour scales: the shading's literal colours (scale=None) would otherwise swallow the lines' legend
    return alt.layer(shade, lines, zero).resolve_scale(color="independent").properties(
        title=title, height=height, autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))


def loops_under(cases: Mapping[str, Mapping[str, float | pd.Series]], key: str) -> None:
    """Under a demonstration: the loop-dominance chart of one of its cases (the first, or as picked)."""
    names = list(cases)
    picked = st.radio("Loop dominance of", names, horizontal=True, key=f"loops_{key}") if len(names) > 1 else names[0]
    result = study(cases[picked])
    st.altair_chart(dominance_chart(result, title=f"{picked}: which loops dominate when"), width="stretch")
    st.caption(dominance_sentence(result))


def dominance_sentence(result: LoopDominance) -> str:
    """The dominant periods in words, for reading aloud."""
    parts = [f"months {p.start:g}-{p.end:g}: **{' + '.join(p.loops)}**" for p in result.dominant_periods(level="family")
             if p.end - p.start >= 2]
    return ("Dominant loops (together at least half of the behaviour of the PMO's feedback structure): " + "; ".join(parts) + "."
            if parts else "No family of loops explains half of the behaviour for more than two months in a row.")


@functools.lru_cache(maxsize=1)
def _diagram_paths() -> dict[tuple[str, str], list[tuple[str, ...]]]:
    """For each arrow of the diagram, the paths of model links it stands for (through variables not shown)."""
    graph = MODEL.dynamic_graph()
    shown = set(DIAGRAM_NODES)
    paths: dict[tuple[str, str], list[tuple[str, ...]]] = {}
    for source, target in condensed_edges(MODEL):
        hidden = graph.subgraph((set(graph) - shown) | {source, target})
        paths[(source, target)] = [tuple(p) for p in nx.all_simple_paths(hidden, source, target, cutoff=10)]
    return paths


def arrow_scores(result: LoopDominance, month: float) -> dict[tuple[str, str], float]:
    """Each arrow's relative link score at ``month``: its composite score (the path of largest magnitude,
    as for a SMOOTH or DELAY) over the sum of the magnitudes of all arrows into the same variable."""
    k = int(np.argmin(np.abs(result.times - month)))
    links = {link: result.links.scores[i, k, 0] for i, link in enumerate(result.links.links)}
    composite = {}
    for arrow, paths in _diagram_paths().items():
        best = 0.0
        for path in paths:
            score = float(np.prod([links.get(link, 0.0) for link in zip(path, path[1:])]))
            best = score if abs(score) > abs(best) else best
        composite[arrow] = best
    totals: dict[str, float] = {}
    for (_, target), score in composite.items():
        totals[target] = totals.get(target, 0.0) + abs(score)
    return {arrow: (score / totals[arrow[1]] if totals[arrow[1]] > 0 else 0.0) for arrow, score in composite.items()}


def scored_dot(result: LoopDominance, month: float) -> str:
    """The causal diagram with each arrow's colour (green +, red −) and width from its relative link score at ``month``."""
    scores = arrow_scores(result, month)
    lines = causal_dot(MODEL).splitlines()
    styled = []
    for line in lines:
        head = line.strip().split(" [", 1)[0]
        if " -> " in head and not head.startswith("loop_"):
            source, target = head.split(" -> ")
            score = scores.get((source, target), 0.0)
            colour = "#1a7f37" if score > 0 else ("#b42318" if score < 0 else "#c8c8c8")
            width = 0.6 + 7 * abs(score)
            line = line.rstrip("];") + f', color="{colour}", penwidth={width:.2f}, tooltip="link score {score:+.2f} at month {month:g}"];'
        styled.append(line)
    return "\n".join(styled)


def scored_diagram(params: Mapping[str, float | pd.Series] | None = None) -> None:
    """The diagram scored at a month picked with a slider; the play button steps through the months."""
    result = study(dict(params or {}))
    last = int(result.times[-1])
    month = st.slider("Month of the link scores", 1, last, min(24, last), key="loop_month")
    picture = st.empty()
    if st.button("▶ Play through the months", key="loop_play"):
        for m in range(1, last + 1, 2):
            picture.graphviz_chart(scored_dot(result, m), width="stretch")
            time.sleep(0.25)
    picture.graphviz_chart(scored_dot(result, month), width="stretch")
    st.caption("Each arrow's width is its share of the change in the variable it points to at that month (its relative "
               "link score: Loops that Matter, Schoenberg, Davidsen and Eberlein 2020); green: the two move the same way, "
               "red: opposite ways, grey: the link is inactive.")
