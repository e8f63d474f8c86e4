"""What the workshop's pages share: the store, links, sign-in, problems, a team's charts."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import numpy as np
import streamlit as st

from sim.ui.common import track_chart
from sim.workshop import AccessError, Store, WorkshopError, login
from sim.workshop.store import Series, default_folder

#: The address teams use, when the facilitator's browser shows another (e.g. localhost).
URL_ENV = "PMO_SIM_WORKSHOP_URL"
PATHS = {"setup": "workshop", "team": "team", "console": "console", "debrief": "debrief"}
#: A team's charts: title, outputs, vertical range (None: fitted to the values).
TEAM_CHARTS = (
    ("Performance", ("delivery_performance", "strategic_value_realization", "pmo_performance"), (0, 1)),
    ("The two tracks", ("execution_track_strength", "value_track_strength"), (0, 1)),
    ("Executive support and survival", ("executive_support", "pmo_survival"), (0, 1)),
    ("Cumulative Net Value (k$)", ("cumulative_net_value",), None),
)


@st.cache_resource(show_spinner=False)
def _store(folder: str) -> Store:
    return Store(folder)


def store() -> Store:
    """The workshops' store in the data folder (``$PMO_SIM_WORKSHOP_DATA`` or the user's data folder)."""
    return _store(str(default_folder()))


def base_url() -> str:
    """The app's address as teams reach it: ``$PMO_SIM_WORKSHOP_URL``, else this browser's address."""
    chosen = os.environ.get(URL_ENV)
    if chosen:
        return chosen.rstrip("/")
    url = st.context.url or "http://localhost:8501"
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    for known in PATHS.values():  # the app's root, whatever page this is
        if path.endswith("/" + known):
            path = path[: -len(known) - 1]
    return f"{parts.scheme}://{parts.netloc}{path}"


def link(page: str, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{base_url()}/{PATHS[page]}" + (f"?{query}" if query else "")


def show_problems(error: WorkshopError) -> None:
    lines = [f"- **{field}**: {message}" if field else f"- {message}" for field, message in error.problems]
    st.error("\n".join(lines), icon=":material/error:")


def facilitator_token(page: str) -> str | None:
    """The console token in the address (``?console=``), else a sign-in form; None until signed in."""
    token = st.query_params.get("console")
    if token:
        return token
    st.markdown("Sign in with the workshop's join code and the PIN set when it was created.")
    with st.form(f"{page}_sign_in"):
        code = st.text_input("Join code", key=f"{page}_code")
        pin = st.text_input("Facilitator PIN", type="password", key=f"{page}_pin")
        if st.form_submit_button("Sign in", type="primary"):
            try:
                st.query_params["console"] = login(store(), code, pin)
            except WorkshopError as error:
                show_problems(error)
                return None
            st.rerun()
    return None


def refused(error: AccessError, page: str) -> None:
    """A stale or wrong link: say so and offer to sign in again."""
    show_problems(error)
    if st.button("Sign in again", key=f"{page}_again"):
        st.query_params.clear()
        st.rerun()


def series_chart(title: str, names: tuple[str, ...], series: Series, y_range) -> tuple[dict, object]:
    """A team's own months as lines (the shared chart builder, one run): the Vega-Lite spec and its data."""
    current = {"time": series["time"], **{n: np.asarray(series[n])[None, :] for n in names}}
    return track_chart(title, names, current, y_range=y_range)
