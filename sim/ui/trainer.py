"""Trainer: the short-cycle versus the long-cycle engine, worse before better, risk as a catalyst,
the zombie PMO, and the crisis that only a ready, directed PMO turns into an opportunity."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from sim.demonstrations import (crisis_opportunity, crisis_summary, first_month_below, risk_catalyst,
                                 short_vs_long_cycle, worse_before_better, zombie_pmo)
from sim.diagram import DIAGRAM_NODES, LOOP_MEANINGS, NAMED_LOOPS, causal_dot
from sim.simulate import simulate
from sim.ui.common import MODEL, PALETTE, label
from sim.ui.predict import predict_then_reveal, shown
from sim.ui import loops_view
from sim.demonstrations import BALANCED, CRISIS_CASES, EXECUTION_ONLY, HIGH_READINESS, LOW_READINESS
from sim.experiments import pulse_schedule, share_move, track_step


@st.cache_data(show_spinner=False)
def _cycles(size: float, at: float):
    return short_vs_long_cycle(size=size, at=at)


@st.cache_data(show_spinner=False)
def _move(fraction: float, at: float) -> pd.DataFrame:
    return worse_before_better(fraction=fraction, at=at)


@st.cache_data(show_spinner=False)
def _catalyst(size: float, at: float) -> pd.DataFrame:
    return risk_catalyst(size=size, at=at)


@st.cache_data(show_spinner=False)
def _zombie() -> pd.DataFrame:
    return zombie_pmo()


@st.cache_data(show_spinner=False)
def _crisis(size: float, at: float, duration: float) -> pd.DataFrame:
    return crisis_opportunity(size=size, at=at, duration=duration)


#: Colours of the cases the new demonstrations compare (the PMO to learn from first).
CASE_COLOURS = {"execution only": "#D55E00", "balanced": "#0072B2",
                "ready, directed": "#0072B2", "ready, no value track": "#E69F00", "unready": "#888888"}


def response_chart(frame: pd.DataFrame, title: str, *, marks: dict[str, float] | None = None, zero: bool = True,
                   y_title: str | None = "change against the unchanged run", y_range: tuple[float, float] | None = None,
                   height: int = 220) -> alt.LayerChart:
    """Lines over months; columns "<case>: <output>" are coloured by case and dashed by output.

    ``height`` is the plot's: axes, title and legends come on top (Streamlit's default would fit them
    all into it and squeeze the plot).
    """
    long = frame.reset_index().melt("time", var_name="response", value_name="change")
    parts = long["response"].str.split(": ", n=1, expand=True)
    long["case"], long["output"] = parts[0], parts[1] if parts.shape[1] > 1 else parts[0]
    cases = list(dict.fromkeys(long["case"]))
    colours = alt.Scale(domain=cases, range=[CASE_COLOURS.get(c, PALETTE[i % len(PALETTE)]) for i, c in enumerate(cases)])
    encoding = {"color": alt.Color("case:N", title=None, scale=colours, legend=alt.Legend(orient="bottom", labelLimit=0))}
    if long["output"].nunique() > 1 and (long["output"] != long["case"]).any():
        encoding["strokeDash"] = alt.StrokeDash("output:N", title=None, legend=alt.Legend(orient="bottom", labelLimit=0))
    layers = [alt.Chart(long).mark_line(strokeWidth=2.5).encode(
        x=alt.X("time:Q", title="month"),
        y=alt.Y("change:Q", title=y_title, scale=alt.Scale(domain=list(y_range)) if y_range else alt.Undefined),
        tooltip=["response", "time", alt.Tooltip("change:Q", format=".4f")],
        **encoding,
    )]
    if zero:
        layers.append(alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color="gray").encode(y="y:Q"))
    if marks:
        rules = pd.DataFrame({"month": list(marks.values()), "label": list(marks)})
        layers.append(alt.Chart(rules).mark_rule(strokeDash=[4, 3]).encode(x="month:Q", tooltip=["label", "month"]))
        middle = (long["time"].min() + long["time"].max()) / 2  # a label past the middle reads leftwards, inside the plot
        for side, dx, part in (("left", 4, rules[rules["month"] <= middle]), ("right", -4, rules[rules["month"] > middle])):
            if len(part):
                layers.append(alt.Chart(part).mark_text(align=side, dx=dx, dy=-6, fontSize=11).encode(
                    x="month:Q", y=alt.value(12), text="label"))
    return alt.layer(*layers).properties(title=title, height=height, autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))


DIAGRAM_CSS = ('[data-testid="stGraphVizChart"] g.node text { font-size: 19px !important; } '
               '[data-testid="stGraphVizChart"] g.edge text { font-size: 22px !important; font-weight: 700; }')


@st.cache_data(show_spinner=False)
def _baseline_run() -> pd.DataFrame:
    return simulate({})


def render() -> None:
    st.title("Trainer: the short-cycle and the long-cycle engine")
    st.markdown(
        "The same money buys results on two clocks. The **execution track** (governance, delivery support) "
        "acts on delivery directly, within months. The **value track** (strategic alignment, value management) "
        "acts only through **PMO Transformation**, a delayed converter: slow to start, larger and more durable."
    )
    st.toggle("Predict, then reveal: the room picks a sketched curve before each demonstration runs", key="predict_mode")
    left, right = st.columns(2)
    size = left.slider("Step size (extra budget, % of the default budget)", 5, 100, 25, step=5, key="step_size") / 100
    at = right.slider("Start month of the step", 0, 60, 12, step=1, key="step_month")

    st.header("1. A step into each track")
    predict_then_reveal("step", lambda: _step(size, at))
    if shown("step"):  # the loops would give the answer away before the room has predicted
        loops_view.loops_under({f"{track} step": track_step(track, at=float(at), size=size) for track in ("value", "execution")}, "step")

    st.header("2. Worse before better")
    fraction = st.slider("Share of the execution budget moved to the value track", 0.1, 1.0, 0.5, step=0.05, key="move_fraction")
    predict_then_reveal("move", lambda: _move_demo(fraction, at))
    if shown("move"):  # the loops would give the answer away before the room has predicted
        loops_view.loops_under({"moved to the value track": share_move(fraction=fraction, at=float(at)), "unchanged": {}}, "move")

    st.header("3. Risk as a catalyst")
    shock = st.slider("Size of a 3-month risk shock", 0.1, 1.0, 0.5, step=0.05, key="shock_size")
    predict_then_reveal("shock", lambda: _catalyst_demo(shock, at))
    pulse = {"risk_shock": pulse_schedule(shock, start=float(max(at, 1)), duration=3)}
    if shown("shock"):  # the loops would give the answer away before the room has predicted
        loops_view.loops_under({"high readiness": {**HIGH_READINESS, **pulse}, "no readiness": {**LOW_READINESS, **pulse}}, "shock")

    st.header("4. The zombie PMO")
    predict_then_reveal("zombie", _zombie_pmo)
    if shown("zombie"):  # the loops would give the answer away before the room has predicted
        loops_view.loops_under({"execution only": EXECUTION_ONLY, "balanced": BALANCED}, "zombie")
    _crisis_opportunity()
    crisis = {"risk_shock": pulse_schedule(0.5, start=24, duration=3)}
    loops_view.loops_under({case: {**params, **crisis} for case, params in CRISIS_CASES.items()}, "crisis")
    _structure()


def _step(size: float, at: int) -> None:
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


def _move_demo(fraction: float, at: int) -> None:
    moved = _move(fraction, float(at))
    dip = moved["PMO Performance"].loc[at:].idxmin()
    st.altair_chart(response_chart(moved, f"From month {at}: {fraction:.0%} of the execution shares move to the value track"),
                    width="stretch")
    st.markdown(
        f"Delivery drops within months while transformation has not yet arrived: PMO Performance is lowest at month "
        f"**{dip:.0f}**. Whether and when the long cycle pays back is the question to discuss: leaders who judge the move "
        "at its worst moment reverse it."
    )


def _catalyst_demo(shock: float, at: int) -> None:
    catalyst = _catalyst(shock, float(at) if at >= 1 else 1.0)
    st.altair_chart(response_chart(catalyst, "A risk shock with high and with no Capability Development"), width="stretch")
    st.markdown(
        "Risk signals never lower performance directly. Past the organisation's tolerance they trigger transformation, "
        "which raises performance later, but only in a PMO ready to transform (Capability Development)."
    )


def _structure() -> None:
    st.header("6. The causal structure and its loops")
    run = _baseline_run()
    # Streamlit's stylesheet sets the diagram's text to 0.6 rem, whatever the DOT source asks: too small
    # for a projector. These sizes apply after the drawing is scaled to the page's width.
    st.markdown(f"<style>{DIAGRAM_CSS}</style>", unsafe_allow_html=True)
    st.graphviz_chart(causal_dot(MODEL, run=run), width="stretch")
    st.caption("Drawn from the model file's dependency graph. Boxes are stocks; dashed arrows pass through a delay; "
               "each arrow's sign (+ / −) is measured on the model; ⟳ R marks a reinforcing loop, ⟳ B a balancing one. "
               "Blue: execution track; orange: value track. Hover over a variable for its graph over time.")
    picked = st.selectbox("Show a variable of the diagram over time (the baseline)", DIAGRAM_NODES, index=DIAGRAM_NODES.index("executive_support"),
                          format_func=label, key="diagram_variable")
    st.line_chart(run[picked].rename(label(picked)), height=220, x_label="month")
    st.subheader("The loops at work, month by month")
    loops_view.scored_diagram()
    st.table(pd.DataFrame([
        {"loop": name, "what it does": LOOP_MEANINGS[name],
         "path": " -> ".join(MODEL.variables[n].name for n in NAMED_LOOPS[name] + NAMED_LOOPS[name][:1])}
        for name in NAMED_LOOPS
    ]))


def _columns(frame: pd.DataFrame, output: str) -> pd.DataFrame:
    """The columns of one output ("<case>: <output>") of a demonstration's frame."""
    return frame[[c for c in frame.columns if c.endswith(f": {output}")]]


def _zombie_pmo() -> None:
    st.markdown(
        "An **execution-only PMO** puts all of its budget into governance and delivery support (shares 50, 50, 0, 0, 0) "
        "and nothing into strategic alignment, value management or capability development. Templates, controls and "
        "status reports run; projects are delivered. But nobody can see what it is *for*. Executives credit the quick "
        "wins in delivery while they are new, then take them for granted (aspirations adapt to performance: Cyert and "
        "March 1963); after that they see only the strategic value the PMO realises and makes visible, so a PMO that "
        "measures no benefits looks like a cost centre, however well it runs projects. Hobbs and Aubry (2007) found that about "
        "half of PMOs have their relevance questioned; PMI Pulse of the Profession (2017) finds benefits "
        "realisation weak in most organisations. Against it: the **balanced** split, 20% into each capability."
    )
    zombie = _zombie()
    end = zombie.index[-1]
    crossings = {case: first_month_below(zombie[f"{case}: PMO Survival"], 0.5) for case in ("execution only", "balanced")}
    marks = {f"{case}: survival below 50% at month {month:.0f}": month for case, month in crossings.items() if month == month}
    titles = {"Delivery Performance": "What it does: Delivery Performance",
              "Strategic Value Realization": "... but Strategic Value Realization",
              "Executive Support": "What it gets: Executive Support",
              "PMO Survival": "... and PMO Survival (probability it exists)"}
    for row in (("Delivery Performance", "Strategic Value Realization"), ("Executive Support", "PMO Survival")):
        for column, output in zip(st.columns(2), row):
            column.altair_chart(response_chart(_columns(zombie, output), titles[output], zero=False, y_title=None, y_range=(0, 1),
                                               marks=marks if output == "PMO Survival" else None, height=160),
                                width="stretch")

    def final(case: str, output: str) -> float:
        return float(zombie[f"{case}: {output}"].iloc[-1])

    zombie_crossing = crossings["execution only"]
    crossing = (f"Its survival falls below 50% at month **{zombie_crossing:.0f}**."
                if zombie_crossing == zombie_crossing else f"Its survival stays above 50% for these {end:.0f} months.")
    best = float(zombie["execution only: Delivery Performance"].idxmax())
    st.markdown(
        f"At its best, in month {best:.0f}, the execution-only PMO delivers "
        f"**{zombie.at[best, 'execution only: Delivery Performance']:.0%}** of its projects on goal (balanced: "
        f"{zombie.at[best, 'balanced: Delivery Performance']:.0%}). By month {end:.0f} its shrinking budget has taken "
        f"delivery down to **{final('execution only', 'Delivery Performance'):.0%}** "
        f"(balanced: {final('balanced', 'Delivery Performance'):.0%}), and it realises "
        f"**{final('execution only', 'Strategic Value Realization'):.0%}** of the intended benefits "
        f"(balanced: {final('balanced', 'Strategic Value Realization'):.0%}). Executive support ends at "
        f"**{final('execution only', 'Executive Support'):.2f}** (balanced: {final('balanced', 'Executive Support'):.2f}), "
        f"and the probability that the PMO still exists at **{final('execution only', 'PMO Survival'):.0%}** "
        f"(balanced: {final('balanced', 'PMO Survival'):.0%}). {crossing} The lesson: the execution track keeps a PMO busy; "
        "only a value track that executives can see keeps it alive."
    )


def _crisis_opportunity(size: float = 0.5, at: float = 24, duration: float = 3) -> None:
    st.header("5. A crisis is an opportunity only for a ready, directed PMO")
    st.markdown(
        f"The same crisis (Risk Shock {size:g} for months {at:g} to {at + duration:g}: a failed programme, an audit finding, "
        "a new regulator) hits three PMOs. Risk never lowers performance directly: past the organisation's tolerance "
        "it triggers transformation (Hobbs and Aubry 2010: PMOs are reconfigured every 2 to 3 years). Whether the "
        "change pays off depends on the two conditions of the white paper \"PMO Dual-Track Mechanism\": "
        "**readiness**, the Capability Development to reconfigure (section 5.4), and **direction**, a value track "
        "that points the change at strategy (section 5.5); without it, change lacks direction and purpose."
        "\n\n- **Ready, directed**: the balanced split (20% into each capability), as it starts."
        "\n- **Ready, no value track**: nothing on strategic alignment or value management, both starting at 0.05."
        "\n- **Unready**: nothing on capability development, starting at 0."
    )
    crisis = _crisis(size, at, duration)
    marks = {"risk shock": at}
    left, right = st.columns(2)
    left.altair_chart(response_chart(_columns(crisis, "PMO Performance"), "PMO Performance: what the crisis adds",
                                     marks=marks, y_title="change made by the shock"), width="stretch")
    right.altair_chart(response_chart(_columns(crisis, "Delivery Performance"), "Delivery Performance: the dip while it reconfigures",
                                      marks=marks, y_title="change made by the shock"), width="stretch")
    summary = crisis_summary(crisis, month=84)
    st.table(summary.style.format({c: "{:+.4f}" for c in summary.columns if not c.startswith("month")}
                                  | {c: "{:.0f}" for c in summary.columns if c.startswith("month")}))
    ready, unready = summary.loc["ready, directed"], summary.loc["unready"]
    st.markdown(
        f"The ready, directed PMO turns the crisis into up to **{ready['largest gain']:+.2g}** of PMO Performance "
        f"(month {ready['month of largest gain']:.0f}); the unready one gains at most {unready['largest gain']:+.2g}, and the "
        f"PMO without a value track {summary.loc['ready, no value track', 'largest gain']:+.2g}. The opportunity has a price, "
        f"paid first: while the ready PMO reconfigures, Delivery Performance dips by up to **{-ready['deepest delivery dip']:.2g}** "
        f"(month {ready['month of deepest dip']:.0f}). A crisis gives a PMO the mandate to change; only readiness and a "
        "value track turn that change into performance."
    )
