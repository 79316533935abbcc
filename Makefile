# Quick start: `make run` (GUI on the demo plan) and `make test` (the whole suite, headless).
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-soak lint bench bench-feeds bench-shared soak fuzz screenshots clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	QT_QPA_PLATFORM="$${QT_QPA_PLATFORM:-xcb;offscreen}" $(BIN)/python main.py --demo

# Two pytest-xdist workers (WORKERS=…): a file's tests stay on one worker, the PostgreSQL
# tests share one server, the short soak runs beside them (tests/conftest.py).
# Bytecode caches on for the run (PYTHONDONTWRITEBYTECODE emptied): without them each of
# the ~60 Python processes of a run (workers, the soak, command-line children) compiles
# our sources again (~0.3 s of CPU per command-line child) and each worker rewrites the
# asserts of every test module again (~3.5 s). Git ignores the __pycache__ folders.
WORKERS ?= 2
test: $(STAMP)
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n $(WORKERS) --dist loadfile --no-loadscope-reorder

# CI's long soak: the soak tests on SOAK_ACTIONS actions (`make test` runs 1 000), same checks.
SOAK_ACTIONS ?= 5100
test-soak: $(STAMP)
	CADENCE_SOAK_ACTIONS=$(SOAK_ACTIONS) $(BIN)/python -m pytest -n 0 tests/gui/test_soak.py

lint: $(STAMP)
	$(BIN)/ruff check cadence cli ui tests main.py
	$(BIN)/ruff format --check cadence cli ui tests main.py
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m cadence.bench
	$(BIN)/python -m ui.bench_startup

# The real window driven through random user actions: `make soak ACTIONS=100000 SEED=1`
# (PLAN=demo|large|both; ARGS passes more options to python -m ui.soak).
ACTIONS ?= 10000
PLAN ?= both
soak: $(STAMP)
	$(BIN)/python -m ui.soak --actions $(ACTIONS) --plan $(PLAN) --progress $(if $(SEED),--seed $(SEED)) $(ARGS)

# Feed server load test on loopback: 200 concurrent fetches of a 12k-event feed, half 304.
bench-feeds: $(STAMP)
	$(BIN)/python -m cli.bench_feeds

# Hostile input and crashes (issue 13): COUNT mutated plans through every command,
# then KILLS SIGKILLs during save loops and concurrent writers; prints the figures.
COUNT ?= 10000
KILLS ?= 300
fuzz: $(STAMP)
	$(BIN)/python tests/core/test_fuzz.py --count $(COUNT)
	$(BIN)/python tests/core/test_concurrency.py --kills $(KILLS)

# Shared plan on a throwaway loopback PostgreSQL (needs the postgresql package).
bench-shared: $(STAMP)
	$(BIN)/python -m cadence.store.shared.bench $(ARGS)

screenshots: $(STAMP)
	$(BIN)/python -m ui.screenshots docs
	for view in calendar_view:calendar gaps_panel:gaps workload:workload requests_view:requests; do \
		$(BIN)/python -m ui.$${view%%:*} demo docs/$${view##*:}.png || exit 1; \
	done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
