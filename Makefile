# pmo-sim: every target creates .venv and installs what it needs (and only that).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HASH   := $(shell cat pyproject.toml | sha256sum | cut -c1-12)
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check
# What each target needs: the app needs only its extra; the tests need every extra they exercise.
APP_EXTRAS  := app,fast
TEST_EXTRAS := app,fast,parquet,test,units,survey

.PHONY: app test batch screenshots install clean

$(BIN)/python:
	@echo "pmo-sim: creating the virtual environment $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	@$(PIP) --upgrade pip

$(VENV)/.app-$(HASH): pyproject.toml | $(BIN)/python
	@echo "pmo-sim: installing the app and its packages ($(APP_EXTRAS)); the first time takes a minute or two"
	@$(PIP) -e ".[$(APP_EXTRAS)]"
	@rm -f $(VENV)/.app-* && touch $@

$(VENV)/.test-$(HASH): pyproject.toml | $(BIN)/python
	@echo "pmo-sim: installing pmo-sim with what the tests need ($(TEST_EXTRAS)); the first time takes a few minutes"
	@$(PIP) -e ".[$(TEST_EXTRAS)]"
	@rm -f $(VENV)/.test-* && touch $@

install: $(VENV)/.test-$(HASH)

app: $(VENV)/.app-$(HASH)
	@echo "pmo-sim: starting the app on http://localhost:8501 (Ctrl+C stops it)"
	$(BIN)/streamlit run app.py --server.address localhost --server.port 8501 --browser.gatherUsageStats false

test: $(VENV)/.test-$(HASH)
	$(BIN)/python -m pytest

# The README's screenshots (the tests write theirs to a temporary folder, so that `make test` leaves the tree clean).
screenshots: $(VENV)/.test-$(HASH)
	PMO_SIM_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest -q tests/test_browser.py -k "renders or executive_page or trainers or diagram"

batch: $(VENV)/.app-$(HASH)
	$(BIN)/pmo-sim run scenarios --out results

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
