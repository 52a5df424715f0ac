# hjemmerute: the one entry point. `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# simulated days before today, so the KPI dashboard has four weeks of data on first start
DEMO_HISTORY_DAYS ?= 28
CODE := $(wildcard backend routing maps tests benchmarks)

.PHONY: demo test install lint typecheck pytest serve clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/hjemmerute demo --reset --history-days $(DEMO_HISTORY_DAYS)
	$(BIN)/hjemmerute serve --host 127.0.0.1 --port 8000

lint: $(STAMP)
	$(BIN)/ruff check $(CODE)
	$(BIN)/ruff format --check $(CODE)

typecheck: $(STAMP)
	$(BIN)/mypy $(filter backend routing maps,$(CODE))

pytest: $(STAMP)
	$(BIN)/pytest -q

test: lint typecheck pytest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache hjemmerute.db data/
