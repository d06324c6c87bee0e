# Two entry points do all the set-up: `make run` and `make test`.
# Both create .venv on first use and reinstall when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test docs lint typecheck pytest bench screenshots clean

# Python may keep the bytecode of casebot's own modules and of the rewritten tests,
# whatever the shell says: the suite starts hundreds of Python processes.
unexport PYTHONDONTWRITEBYTECODE

# `make run HOST=0.0.0.0 PORT=8081` listens elsewhere; without them, casebot serve's own
# defaults apply (CASEBOT_HOST and CASEBOT_PORT, else 127.0.0.1:8080). Set here, empty, so
# that a HOST or PORT the shell happens to export is not taken for one.
HOST :=
PORT :=

# uv installs the same packages as pip from the same index, in seconds rather than a
# minute; it is installed into the venv first, by the venv's own pip. It compiles the
# bytecode as pip does: without it each of the suite's casebot processes would compile
# SQLAlchemy and FastAPI anew (2 s a command instead of 0.5 s).
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check 'uv>=0.9,<1'
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -e '.[dev]'
	@touch $(STAMP)

# Serve casebot on the embedded SQLite default (casebot.db, or $CASEBOT_DATABASE_URL),
# with the example project `storage` that examples/deliveries/ mention (added once).
# Send the examples with the line the server prints.
run: $(STAMP)
	$(BIN)/casebot project add --name Storage --key STORAGE --handle storage --if-missing
	$(BIN)/casebot serve $(if $(HOST),--host $(HOST)) $(if $(PORT),--port $(PORT))

# Most tests wait on servers, databases and sockets rather than compute, so more
# workers than cores pay. A test file stays on one worker (its module-wide server or
# browser is made once) unless it says its tests may spread (tests/conftest.py).
PYTEST_WORKERS ?= 4

# The OpenAPI fuzzing runs beside everything else, in one process of its own, started
# first: the checks before the main run (ruff, mypy, mkdocs) use one core, and the
# fuzzing takes the other. Schemathesis builds its cases while collecting (a quarter of
# its CPU), which every worker of the main run would otherwise repeat. Its report follows
# the main run's; any step failing fails the target (a failed check stops the fuzzing).
FUZZ := tests/api/test_openapi_fuzz.py

test: $(STAMP)
	@log=$$(mktemp); \
	$(BIN)/pytest $(FUZZ) > $$log 2>&1 & fuzz=$$!; \
	report() { echo; echo "$(BIN)/pytest $(FUZZ) (beside the steps above)"; cat $$log; rm -f $$log; }; \
	checks() { \
		echo "$(BIN)/ruff check ." && $(BIN)/ruff check . && \
		echo "$(BIN)/mypy" && $(BIN)/mypy && \
		echo "$(BIN)/mkdocs build --strict" && NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict; \
	}; \
	if ! checks; then kill $$fuzz 2>/dev/null; wait $$fuzz; rm -f $$log; exit 1; fi; \
	echo "$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup --no-loadscope-reorder --ignore $(FUZZ)"; \
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup --no-loadscope-reorder --ignore $(FUZZ); \
	main=$$?; wait $$fuzz; fuzzed=$$?; report; \
	test $$main -eq 0 && test $$fuzzed -eq 0

# The documentation site at http://127.0.0.1:8000 while you edit docs/.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve

bench: $(STAMP)
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# The console's screenshots in docs/images/, taken by its browser tests (needs chromium).
screenshots: $(STAMP)
	CASEBOT_SCREENSHOTS=docs $(BIN)/pytest tests/browser

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis build/site
