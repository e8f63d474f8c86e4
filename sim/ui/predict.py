"""Predict, then reveal: before a demonstration runs, the room picks one of three sketched curves.

Workshops learn more when participants commit to a prediction first (Sterman's management flight
simulators; "predict-observe-explain"). The trainer turns the mode on; each demonstration then shows
three sketches, a choice, and a button that reveals the simulated curve beside the choice.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import streamlit as st

MONTHS = np.arange(0, 121, 2.0)
STEP = 12.0


def _after(shape: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """A sketch that is 0 until the step month, then follows ``shape`` of the months since."""
    since = np.clip(MONTHS - STEP, 0, None)
    return np.where(MONTHS < STEP, 0.0, shape(since))


def fast_rise(t):
    return 1 - np.exp(-t / 6)


def slow_s_curve(t):
    return 1 / (1 + np.exp(-(t - 45) / 10)) - 1 / (1 + np.exp(4.5))


def no_change(t):
    return 0 * t


def dip_then_rise(t):
    return -0.6 * np.exp(-t / 10) * (1 - np.exp(-t / 3)) * 2 + 0.9 * (1 - np.exp(-t / 40))


def falls_and_stays(t):
    return -0.8 * (1 - np.exp(-t / 8))


def drop_then_recover(t):
    return np.where(t < 4, -0.8, -0.8 * np.exp(-(t - 4) / 8))


def flat_then_rise(t):
    return 0.6 * (1 / (1 + np.exp(-(t - 24) / 6)) - 1 / (1 + np.exp(4))) * np.exp(-np.clip(t - 48, 0, None) / 60)


def slow_decline(t):
    return 1 - 0.9 * (1 - np.exp(-t / 60))


def stays_high(t):
    return 1 + 0 * t


def sudden_closure(t):
    return np.where(t < 48, 1.0, 0.1)


#: Per demonstration: the question, and three sketches (label -> curve over MONTHS).
QUESTIONS: dict[str, tuple[str, dict[str, np.ndarray]]] = {
    "step": ("After a step of budget into the **value track** at month 12, how does PMO Performance respond?", {
        "A: within months, then flat": _after(fast_rise),
        "B: hardly at first, then an S-shaped rise over years": _after(slow_s_curve),
        "C: no effect": _after(no_change)}),
    "move": ("Half of the execution budget moves to the value track at month 12. What does PMO Performance do?", {
        "A: rises at once and stays higher": _after(fast_rise),
        "B: dips first, then climbs above": _after(dip_then_rise),
        "C: falls and stays lower": _after(falls_and_stays)}),
    "shock": ("A 3-month risk shock hits at month 12. What does it do to a ready PMO's performance?", {
        "A: drops during the shock, then recovers": _after(drop_then_recover),
        "B: no change during the shock; a gain later": _after(flat_then_rise),
        "C: drops and stays lower": _after(falls_and_stays)}),
    "zombie": ("An execution-only PMO delivers its projects well. What happens to its survival?", {
        "A: it stays safe: delivery speaks for itself": _after(stays_high),
        "B: it erodes as executives stop seeing value": _after(slow_decline),
        "C: it is closed suddenly after a few years": _after(sudden_closure)}),
}


#: An axis drawn without labels, ticks, title or grid. (``"axis": None`` would be simpler, but in a layer
#: that shares its scale with the zero rule it leaves the browser's chart empty.)
HIDDEN_AXIS = {"labels": False, "ticks": False, "domain": False, "grid": False, "title": None}


def sketch_spec(curve: np.ndarray, title: str, height: int = 110, colour: str = "#555555") -> dict[str, Any]:
    """A small, axis-less sketch of a curve (shape only: no scale to read)."""
    rows = [{"month": float(m), "value": float(v)} for m, v in zip(MONTHS, curve)]
    return {"title": {"text": title, "fontSize": 13, "limit": 0}, "height": height, "autosize": {"type": "fit-x", "contains": "padding"},
            "data": {"values": rows},
            "layer": [{"mark": {"type": "rule", "color": "#999999"}, "encoding": {"y": {"datum": 0}}},
                      {"mark": {"type": "line", "strokeWidth": 3, "color": colour},
                       "encoding": {"x": {"field": "month", "type": "quantitative", "axis": HIDDEN_AXIS},
                                    "y": {"field": "value", "type": "quantitative", "axis": HIDDEN_AXIS}}}]}


def shown(key: str) -> bool:
    """Whether the demonstration ``key`` is on show: prediction mode is off, or the room has revealed it."""
    return not st.session_state.get("predict_mode") or bool(st.session_state.get(f"revealed_{key}", False))


def predict_then_reveal(key: str, show: Callable[[], None]) -> None:
    """In prediction mode: the question, three sketches, a choice, and the reveal; else ``show()`` at once."""
    if not st.session_state.get("predict_mode"):
        show()
        return
    question, sketches = QUESTIONS[key]
    st.markdown(f"**Predict first.** {question}")
    for column, (label, curve) in zip(st.columns(3), sketches.items()):
        column.vega_lite_chart(sketch_spec(curve, label), width="stretch")
    choice = st.radio("The room's prediction", list(sketches), index=None, key=f"predict_{key}", horizontal=True)
    revealed = st.session_state.get(f"revealed_{key}", False)
    if not revealed:
        st.button("Reveal the simulation", key=f"reveal_{key}", disabled=choice is None,
                  on_click=lambda: st.session_state.update({f"revealed_{key}": True}))
        return
    mine, real = st.columns([1, 2])
    with mine:
        if choice is not None:
            mine.vega_lite_chart(sketch_spec(sketches[choice], f"Predicted: {choice}", height=180, colour="#CC79A7"),
                                 width="stretch")
    with real:
        show()
    st.button("Hide again", key=f"hide_{key}", on_click=lambda: st.session_state.update({f"revealed_{key}": False}))
