# The two commands a newcomer needs: `make demo` and `make test`. Each builds .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint serve migrate bench bench-large clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/chesanto demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .

serve: $(STAMP)
	$(BIN)/chesanto serve

migrate: $(STAMP)
	$(BIN)/chesanto migrate

# Not part of `make test`: times the services against raw INSERTs (docs/benchmarks.md, a few minutes) and exports a
# million rows to CSV and XLSX (docs/benchmarks-exports.md, half an hour or more).
bench: $(STAMP)
	$(BIN)/python -m benchmarks.stock_posting
	$(BIN)/python -m benchmarks.exports
	$(BIN)/python -m benchmarks.dashboard_live

# The large scale (a year of trade, 10 M order lines) on SQLite and PostgreSQL: the dashboard against a naive
# computation and the finance tables at a million invoices (docs/benchmarks.md). The first run writes the large
# databases (about 25 minutes each on a busy 2-core machine) and keeps them for later runs.
bench-large: $(STAMP)
	$(BIN)/python -m benchmarks.large_scale

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
