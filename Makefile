# Everything installs into .venv from a clean checkout: `make run`, `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FAMILIES := $(sort $(dir $(wildcard schemas/*/family.toml)))
CORPORA := $(sort $(wildcard corpora/*/))
N ?= 1000

.PHONY: install run test lint bench selffuzz clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

# Fuzz every bundled example family (in parallel, each report printed whole, in order), then
# replay the bundled corpora (corpora/<family>/ against schemas/<family>/). Findings are the point
# here, so they do not fail make; an input error (exit 2) or an internal error (exit 3) does.
RUNDIR := $(VENV)/run
run: $(STAMP)
	@mkdir -p $(RUNDIR); echo "fuzzing $(words $(FAMILIES)) example families: $(FAMILIES)"; \
	for family in $(FAMILIES); do \
		name=$$(basename $$family); \
		( $(BIN)/schemafuzz fuzz $$family --fail-on never > $(RUNDIR)/$$name.txt 2>&1; \
		  echo $$? > $(RUNDIR)/$$name.rc ) & \
	done; wait; status=0; \
	for family in $(FAMILIES); do \
		name=$$(basename $$family); \
		echo "== schemafuzz fuzz $$family"; cat $(RUNDIR)/$$name.txt; \
		rc=$$(cat $(RUNDIR)/$$name.rc); [ "$$rc" = 0 ] || status=$$rc; \
	done; \
	for corpus in $(CORPORA); do \
		family=schemas/$$(basename $$corpus); \
		[ -d $$family ] || continue; \
		echo "== schemafuzz replay $$family $$corpus"; \
		$(BIN)/schemafuzz replay $$family $$corpus --fail-on never || status=$$?; \
	done; exit $$status

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

# Fuzz schemafuzz itself: N generated schema histories per format (default 1000) through the
# invariants of tests/selffuzz/check.py, in one process; `make selffuzz N=10000` for a campaign,
# `FORMAT=avro` for one format, `JOBS=2` to split each format over two processes (each with its
# own Hypothesis seed, SEED/i). A progress line goes to stderr every 250 histories.
SEED ?= 0
FORMAT ?=
JOBS ?= 1
selffuzz: $(STAMP)
	$(BIN)/python -m tests.selffuzz --n $(N) --seed $(SEED) --jobs $(JOBS) --progress 250 \
		$(if $(FORMAT),--format $(FORMAT))

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis bench.json
