"""The Streamlit app: the only package that imports streamlit. Pages for executives, trainers, analysts."""
