# portalwatch: `make demo` runs the pipeline against the bundled simulator,
# `make test` runs the suite. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test accuracy clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: install
	$(BIN)/portalwatch demo

test: install
	$(BIN)/python -m pytest

# Field accuracy of the profiles and of the generic extractor on the simulator's gold set.
accuracy: install
	$(BIN)/python -m portalwatch.accuracy

clean:
	rm -rf $(VENV) data .pytest_cache
