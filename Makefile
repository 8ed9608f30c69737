# portalwatch: `make demo` runs the pipeline against the bundled simulator, `make cluster-demo`
# runs it over a pool of workers, `make test` runs the suite. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

BENCH_VENV := benchmarks/.venv
BENCH_STAMP := $(BENCH_VENV)/.installed

.PHONY: install demo cluster-demo test accuracy quality bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,sim]'
	touch $(STAMP)

demo: install
	$(BIN)/portalwatch demo $(DEMO_ARGS)

# One ingest run spread over a pool of three workers into a DuckLake on S3 (PostgreSQL, moto and a
# Prefect server started for it), checked against the same crawl in one process.
cluster-demo: install
	$(BIN)/portalwatch cluster-demo $(CLUSTER_DEMO_ARGS)

# Two processes, a test file each at a time (a file's tests share its fixtures); PYTEST_ARGS adds more.
test: install
	$(BIN)/python -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

# Lint and format with ruff, type-check with mypy (the modules pyproject.toml's [tool.mypy] lists).
.PHONY: lint
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Field accuracy of the profiles and of the generic extractor on the simulator's gold set.
accuracy: install
	$(BIN)/python -m portalwatch.accuracy

# Republications and citations found in the warehouse against the simulator's truth.
quality: install
	$(BIN)/python -m portalwatch.quality

# The benchmark's own environment: the project plus the tools it is measured against.
$(BENCH_STAMP): pyproject.toml benchmarks/requirements.txt
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install --quiet -e '.[sim]' -r benchmarks/requirements.txt
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BENCH_VENV)/bin/python benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(BENCH_VENV) data .pytest_cache
