# The two commands: `make run` and `make test`. Everything else here serves them.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
TOOLS := .tools
DDB_LOCAL := $(TOOLS)/node_modules/amplify-dynamodb-simulator
PYTEST_WORKERS ?= 2

.PHONY: run test lint fmt infra-lint bench outbox dynamodb-local requirements package clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $(STAMP)

## make run: the API on http://127.0.0.1:8000 against the embedded AWS on :5000 (Ctrl-C stops both)
run: $(STAMP)
	$(BIN)/yanxiu run

## make test: lint, the infrastructure check, then the whole suite (unit, integration, e2e, concurrency)
test: $(STAMP) lint infra-lint dynamodb-local
	$(BIN)/pytest -n $(PYTEST_WORKERS) -m "not concurrency" tests
	YANXIU_DDB_LOCAL=$(DDB_LOCAL) $(BIN)/pytest -m concurrency tests/concurrency

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## The CloudFormation that `chalice package --merge-template` produces, through cfn-lint.
infra-lint: $(STAMP)
	$(BIN)/python infra/lint.py

## DynamoDB Local (the jar ships in the npm package; Java 17 runs it) for the concurrency tier.
dynamodb-local: $(DDB_LOCAL)/package.json
$(DDB_LOCAL)/package.json:
	mkdir -p $(TOOLS)
	cd $(TOOLS) && npm install --silent --no-audit --no-fund amplify-dynamodb-simulator@2

## make bench: figures, not pass/fail
bench: $(STAMP)
	$(BIN)/python -m bench

## make outbox: the SMS and e-mails the running local stack captured
outbox: $(STAMP)
	$(BIN)/yanxiu outbox

## requirements.txt for `chalice package/deploy` (Chalice reads it; pyproject is the source)
requirements: $(STAMP)
	$(BIN)/python -c "import tomllib;print('\n'.join(tomllib.load(open('pyproject.toml','rb'))['project']['dependencies']))" > requirements.txt

package: requirements
	$(BIN)/chalice package --stage prod --merge-template infra/template.json build/package

clean:
	rm -rf $(VENV) $(TOOLS) build .pytest_cache .mypy_cache .ruff_cache
