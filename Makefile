# Everything installs into .venv from a clean checkout: `make run`, `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FAMILIES := $(sort $(dir $(wildcard schemas/*/family.toml)))
CORPORA := $(sort $(wildcard corpora/*/))
N ?= 1000

.PHONY: install run test lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

# Fuzz every bundled example family, then replay the bundled corpora (corpora/<family>/ against
# schemas/<family>/); findings are the point here, so they do not fail make. An unreadable corpus
# file does (exit 2).
run: $(STAMP)
	@for family in $(FAMILIES); do \
		echo "== schemafuzz fuzz $$family"; \
		$(BIN)/schemafuzz fuzz $$family --fail-on never || exit $$?; \
	done
	@for corpus in $(CORPORA); do \
		family=schemas/$$(basename $$corpus); \
		[ -d $$family ] || continue; \
		echo "== schemafuzz replay $$family $$corpus"; \
		$(BIN)/schemafuzz replay $$family $$corpus --fail-on never || exit $$?; \
	done

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis bench.json
