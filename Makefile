# pmo-sim: every target creates .venv and installs what it needs (and only that).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HASH   := $(shell cat pyproject.toml | sha256sum | cut -c1-12)
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check
# What each target needs: the app needs only its extra; the tests need every extra they exercise.
APP_EXTRAS  := app,fast,analysis,workshop,survey
TEST_EXTRAS := app,fast,loops,parquet,test,units,analysis,distributed,workshop,calibrate,survey

.PHONY: app serve test batch screenshots install clean workshop

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
	@echo "pmo-sim: compiling the pages' kernels (the first time only takes a minute or two)"
	@$(BIN)/python -m sim.ui.serve --warm-only
	@echo "pmo-sim: starting the app on http://localhost:8501 (Ctrl+C stops it)"
	$(BIN)/streamlit run app.py --server.address localhost --server.port 8501 --browser.gatherUsageStats false

# A class at once: one Streamlit process per core behind Debian's HAProxy (installed if missing),
# on localhost unless told otherwise: make serve ADDRESS=0.0.0.0
serve: ADDRESS ?= localhost
serve: $(VENV)/.app-$(HASH)
	@command -v haproxy >/dev/null 2>&1 || test -x /usr/sbin/haproxy || { \
	  echo "pmo-sim: installing haproxy (Debian package)"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get install -y haproxy; else sudo apt-get install -y haproxy; fi; }
	$(BIN)/python -m sim.ui.serve --address $(ADDRESS) --port 8501

# A workshop: the same app served on the room's network. ADDRESS is the address to listen on (0.0.0.0:
# every network of this machine), PORT its port, DATA the folder of the workshops' database.
workshop: ADDRESS ?= 0.0.0.0
PORT    ?= 8502
DATA    ?= workshop-data
URL     ?=
workshop: $(VENV)/.app-$(HASH)
	@$(BIN)/python -m sim.workshop.warm
	@echo "pmo-sim: serving the workshop on $(ADDRESS), port $(PORT); this machine's addresses: $$(hostname -I 2>/dev/null || ipconfig getifaddr en0 2>/dev/null)"
	@echo "pmo-sim: open http://<one of those addresses>:$(PORT)/workshop to set it up (the links it shows then work for teams)"
	@echo "pmo-sim: the workshops are kept in $(DATA)/ (Ctrl+C stops the server; start it again and nothing is lost)"
	PMO_SIM_WORKSHOP_DATA=$(DATA) PMO_SIM_WORKSHOP_URL=$(URL) $(BIN)/streamlit run app.py --server.address $(ADDRESS) --server.port $(PORT) \
		--server.headless true --browser.gatherUsageStats false

test: $(VENV)/.test-$(HASH)
	$(BIN)/python -m pytest

# The README's screenshots (the tests write theirs to a temporary folder, so that `make test` leaves the tree clean).
screenshots: $(VENV)/.test-$(HASH)
	PMO_SIM_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest -q tests/test_browser.py -k "renders or executive_page or trainers or diagram or predict"
	PMO_SIM_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest -q tests/test_workshop_browser.py

batch: $(VENV)/.app-$(HASH)
	$(BIN)/pmo-sim run scenarios --out results

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
