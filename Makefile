# pmo-sim: every target creates .venv and installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)

.PHONY: app test batch install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[app,parquet,test,units]"
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

app: $(STAMP)
	$(BIN)/streamlit run app.py --server.address localhost --server.port 8501

test: $(STAMP)
	$(BIN)/python -m pytest

batch: $(STAMP)
	$(BIN)/pmo-sim run scenarios --out results

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
