"""pmo-sim's Streamlit app: `make app`, or `streamlit run app.py`. The pages live in sim/ui/."""

from sim.ui.app import main

main()
