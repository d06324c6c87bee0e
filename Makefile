# Two entry points do all the set-up: `make run` and `make test`.
# Both create .venv on first use and reinstall when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest bench screenshots clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# Serve the webhooks on the embedded SQLite default (casebot.db). The example project
# `storage` is what examples/deliveries/ mention; adding it again on later runs fails
# quietly. Send the examples with the line the server prints.
run: $(STAMP)
	-@$(BIN)/casebot project add --name Storage --key STORAGE --handle storage >/dev/null 2>&1
	$(BIN)/casebot serve

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

bench: $(STAMP)
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# The console's screenshots in docs/images/, taken by its browser tests (needs chromium).
screenshots: $(STAMP)
	CASEBOT_SCREENSHOTS=docs $(BIN)/pytest tests/browser

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis
