# Quick start: `make run` (GUI on the demo plan) and `make test` (the whole suite, headless).
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench bench-shared screenshots clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	QT_QPA_PLATFORM="$${QT_QPA_PLATFORM:-xcb;offscreen}" $(BIN)/python main.py --demo

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check cadence ui tests main.py
	$(BIN)/ruff format --check cadence ui tests main.py
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m cadence.bench

# Shared plan on a throwaway loopback PostgreSQL (needs the postgresql package).
bench-shared: $(STAMP)
	$(BIN)/python -m cadence.store.shared.bench

screenshots: $(STAMP)
	$(BIN)/python -m ui.screenshots docs
	for view in calendar_view:calendar gaps_panel:gaps workload:workload requests_view:requests; do \
		$(BIN)/python -m ui.$${view%%:*} demo docs/$${view##*:}.png || exit 1; \
	done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
