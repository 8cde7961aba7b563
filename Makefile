# ERPKeeper: `make up` runs the product with a demo Tryton ERP; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
TEST_HOME := $(CURDIR)/.cache/test-home
# Two pytest workers: the suite runs in under 4 minutes on 2 cores instead of about 10.
PYTEST_WORKERS ?= 2

.PHONY: up test install lint messages clean screenshot

up: $(STAMP)
	$(BIN)/erpkeeper up

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	ERPKEEPER_HOME=$(TEST_HOME) $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/lint-imports --no-cache
	ERPKEEPER_HOME=$(TEST_HOME) ERPKEEPER_TESTING=true $(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)
	ERPKEEPER_HOME=$(TEST_HOME) ERPKEEPER_TESTING=true scripts/test-platform-postgres

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "ERPKeeper needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

messages: $(STAMP)
	$(BIN)/python -m erpkeeper.lib.messages update

clean:
	rm -rf $(VENV) .cache .pytest_cache .ruff_cache
