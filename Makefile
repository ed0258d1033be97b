# The two commands: `make run` and `make test`. Everything else here serves them.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
TOOLS := .tools
DDB_LOCAL := $(TOOLS)/node_modules/amplify-dynamodb-simulator
PYTEST_WORKERS ?= 2

.PHONY: run test lint fmt infra-lint infra-tables bench outbox dynamodb-local browser requirements package clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $(STAMP)

## make run: the API on http://127.0.0.1:8000 against the embedded AWS on :5000 (Ctrl-C stops both)
run: $(STAMP)
	$(BIN)/yanxiu run

## make test: lint, the infrastructure check, then the whole suite (unit, integration, e2e, browser, concurrency)
test: $(STAMP) lint infra-lint dynamodb-local browser
	$(BIN)/pytest -n $(PYTEST_WORKERS) -m "not concurrency" tests
	YANXIU_DDB_LOCAL=$(DDB_LOCAL) $(BIN)/pytest -m concurrency tests/concurrency

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## The tables of infra/template.json written from chalicelib/db/models.py (keys, indexes, TTL).
infra-tables: $(STAMP)
	YANXIU_STAGE=prod $(BIN)/python infra/tables.py

## The CloudFormation that `chalice package --merge-template` produces, through cfn-lint.
infra-lint: $(STAMP)
	$(BIN)/python infra/lint.py

## DynamoDB Local (the jar ships in the npm package; Java 17 runs it) for the concurrency tier.
dynamodb-local: $(DDB_LOCAL)/package.json
$(DDB_LOCAL)/package.json:
	mkdir -p $(TOOLS)
	cd $(TOOLS) && npm install --silent --no-audit --no-fund amplify-dynamodb-simulator@2

## Debian's chromium for tests/browser: Playwright drives it (never `playwright install`, whose
## browser download is not to be had here). Installed only when missing.
browser:
	command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

## make bench: figures, not pass/fail
bench: $(STAMP)
	$(BIN)/python -m bench

## make outbox: the SMS and e-mails the running local stack captured
outbox: $(STAMP)
	$(BIN)/yanxiu outbox

## requirements.txt for `chalice package/deploy` (Chalice reads it; pyproject is the source).
## Chalice packages its own runtime, so it is left out. ortools goes to vendor/ without its
## declared dependencies: min_cost_flow needs only numpy, and pandas/protobuf would take the
## package past Lambda's 250 MB.
requirements: $(STAMP)
	$(BIN)/python -c "import tomllib;print('\n'.join(d for d in tomllib.load(open('pyproject.toml','rb'))['project']['dependencies'] if not d.startswith(('ortools', 'chalice'))))" > requirements.txt
	rm -rf vendor && $(BIN)/python -m pip install -q --no-deps --only-binary=:all: --platform manylinux2014_x86_64 \
		--python-version 3.11 --target vendor \
		"$$($(BIN)/python -c "import tomllib;print(*[d for d in tomllib.load(open('pyproject.toml','rb'))['project']['dependencies'] if d.startswith('ortools')])")" numpy

package: requirements
	AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-ap-southeast-1} $(BIN)/chalice package --stage prod --merge-template infra/template.json build/package
	@$(BIN)/python -c "import zipfile;z=zipfile.ZipFile('build/package/deployment.zip');print(f'Lambda package: {sum(i.file_size for i in z.infolist())/2**20:.0f} MiB unzipped (limit 250)')"

clean:
	rm -rf $(VENV) $(TOOLS) build vendor requirements.txt .pytest_cache .mypy_cache .ruff_cache
