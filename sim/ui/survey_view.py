"""Analyst page, virtual survey: survey a population of simulated PMOs and judge the white paper's claims."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import streamlit as st

STUDIES = Path(__file__).resolve().parents[2] / "studies"


def _zip(files: dict[str, bytes], folder: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(f"{folder}/{name}", content)
    return buffer.getvalue()


def _study():
    """The chosen study (shipped or uploaded) and its options, or None with the problems shown."""
    from sim.analysis.survey import load_study, load_uploaded_study
    from sim.scenario import ScenarioError

    shipped = {p.stem: p for p in sorted(STUDIES.glob("*.toml"))}
    chosen = st.selectbox("Survey study", list(shipped), key="survey_study") if shipped else None
    upload = st.file_uploader("Or your own study file (a scenario with [uncertainty] and a [study.survey] table)",
                              type=["toml"], key="survey_upload")
    try:
        if upload is not None:
            return load_uploaded_study(upload.getvalue(), file_name=upload.name), upload.file_id
        if chosen is not None:
            return load_study(shipped[chosen]), chosen
    except ScenarioError as error:
        st.error("This study file cannot be used:\n\n" + "\n".join(f"- `{p}`" for p in error.problems))
    return None, None


def render() -> None:
    """The survey section of the analyst page."""
    st.divider()
    st.header("Virtual survey: the white paper's empirical claims")
    st.markdown("Draw a population of PMOs, survey each at its age with Likert items, estimate the Dual-Track path "
                "model with bootstrap intervals and judge the three claims of the white paper's section 7 "
                "(the same as `pmo-sim survey`).")
    try:
        from sim.analysis.survey import run_survey
        from sim.analysis.survey.report import summary_lines, survey_files
    except ImportError:
        st.info("The virtual survey needs its packages: `pip install 'pmo-sim[survey]'` (semopy, statsmodels).")
        return
    loaded, key = _study()
    if loaded is None:
        return
    scenario, options = loaded
    with_sem = st.checkbox("Also fit the full structural-equation model with semopy (slower)", value=False, key="survey_sem")
    if st.button("Run survey", type="primary", key="survey_run"):
        with st.spinner(f"Surveying {scenario.spec.uncertainty.runs if scenario.spec.uncertainty else 0} PMOs..."):
            result = run_survey(scenario, options, fit_sem=with_sem)
            st.session_state["survey_result"] = (key, with_sem, result, survey_files(result, command_line=["pmo-sim app"]))
    stored = st.session_state.get("survey_result")
    if not stored:
        return
    shown_key, shown_sem, result, files = stored
    if (shown_key, shown_sem) != (key, with_sem):
        st.warning("**Out of date**: these results are for an earlier choice. Press **Run survey** again.",
                   icon=":material/history:")
    lines = summary_lines(result)
    claims = [line for line in lines if line.startswith("Claim ")]
    st.markdown("\n".join(f"- {line}" for line in lines if not line.startswith("Claim ")))
    for line in claims:
        (st.success if ": REPRODUCED:" in line else st.error)(line)
    left, right = st.columns([3, 2])
    left.image(files["paths.png"], caption="The path model: standardised paths, * significant (bootstrap interval excludes 0).")
    right.markdown("**Reliability and validity**")
    right.dataframe(result.analysis.reliability.round(3), hide_index=True, width="stretch")
    st.markdown("**Effects with bootstrap intervals** (latent: corrected for measurement error; scores: regression on "
                "item means)")
    st.dataframe(result.analysis.all_effects().round(3), hide_index=True, width="stretch", height=300)
    st.download_button("Download the survey's files (zip)", _zip(files, result.scenario.name),
                       file_name=f"{result.scenario.name}.zip", mime="application/zip", key="survey_zip")
