# Tanji — the two commands a fresh machine needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench install clean catalogues tour system-run system-test

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

install: $(STAMP) catalogues

# Compile the gettext catalogues (.po → .mo); the .mo files are build products.
catalogues: $(STAMP)
	$(BIN)/python -m tanji.tools.catalogues compile

# Debian packages beside the Python ones (PDF rendering, CJK fonts; poppler and Chromium
# for the tests); the script installs only what is missing.
system-run:
	sh scripts/system-packages.sh run

system-test:
	sh scripts/system-packages.sh test

# The platform on its embedded SQLite database, with the demo organisations and people.
run: install system-run
	$(BIN)/tanji serve --demo

tour: install
	$(BIN)/tanji tour

test: install system-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install
	$(BIN)/python -m benchmarks.bench_engine
	$(BIN)/python -m benchmarks.bench_factors

clean:
	rm -rf $(VENV) build *.egg-info
