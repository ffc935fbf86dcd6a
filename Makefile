# Two commands for a fresh machine:
#   make run   - install, migrate, load demo data and serve on the embedded SQLite database
#   make test  - install and run the whole test suite (SQLite and PostgreSQL, browser tests in Chromium)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
export CHILDSAFE_DATABASE_URL ?= sqlite:///childsafe.db

.PHONY: install run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python
	bash scripts/system-packages.sh
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'

# The demo seals evidence with a local key file; in production keep the key file apart from the data.
run: export CHILDSAFE_EVIDENCE_KEY_FILE ?= childsafe.evidence-keys.json
run: install
	$(BIN)/childsafe migrate
	@[ -f "$$CHILDSAFE_EVIDENCE_KEY_FILE" ] || $(BIN)/childsafe evidence init-key
	@if [ ! -f .demo-loaded ]; then $(BIN)/childsafe demo && touch .demo-loaded; \
	  else echo "demo data already loaded (rm .demo-loaded childsafe.db* to start over)"; fi
	$(BIN)/childsafe serve --host 127.0.0.1 --port $(PORT)

test: install
	bash scripts/services.sh
	bash scripts/browser-deps.sh
	$(BIN)/ruff check src tests bench
	$(BIN)/pytest -q -n auto

bench: install
	bash scripts/services.sh
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null)
	$(BIN)/python bench/intake.py

clean:
	rm -rf $(VENV) childsafe.db childsafe.db-wal childsafe.db-shm childsafe.db.evidence childsafe.evidence-keys.json \
	  .demo-loaded test-artifacts
