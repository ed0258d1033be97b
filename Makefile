# The two commands: `make run` and `make test`. Everything else here serves them.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
TOOLS := .tools
DDB_LOCAL := $(TOOLS)/node_modules/amplify-dynamodb-simulator
PYTEST_WORKERS ?= 2
# The web client: its node_modules follow web/package-lock.json (npm ci only when the lock
# changed), and web/dist is rebuilt only when something it is built from is newer.
WEB_DEPS := web/node_modules/.installed-stamp
WEB_DIST := web/dist/index.html
WEB_SRC := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts web/tsconfig.json web/package.json

.PHONY: run test check hooks lock lock-upgrade lock-check lint fmt infra-lint infra-tables bench outbox dynamodb-local browser package deploy destroy clean

# The venv holds exactly the lock's versions (hashes checked; pip's own too), then the project.
$(STAMP): pyproject.toml requirements-dev.lock
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $(STAMP)

## The locks: requirements.lock (what the Lambda runs) and requirements-dev.lock (that, and the
## tools), resolved by uv for Python 3.11 with hashes. The runtime lock takes only versions with
## manylinux2014 wheels, which the python3.11 Lambda runtime (Amazon Linux 2, glibc 2.26) loads;
## the dev lock keeps those pins and adds the tools for this machine. `make lock` after editing
## pyproject.toml keeps every other pin; `make lock-upgrade` takes the newest allowed;
## `make lock-check` (in make test) fails when pyproject.toml and the locks disagree.
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --python-version 3.11 --generate-hashes --no-header --no-annotate -q
UV_RUNTIME = $(UV_COMPILE) --python-platform x86_64-manylinux2014 --only-binary :all:
UV_DEV = $(UV_COMPILE) --python-platform x86_64-unknown-linux-gnu --extra dev
lock: $(STAMP)
	$(UV_RUNTIME) -o requirements.lock
	$(UV_DEV) -c requirements.lock -o requirements-dev.lock
lock-upgrade: $(STAMP)
	$(UV_RUNTIME) --upgrade -o requirements.lock
	$(UV_DEV) --upgrade -c requirements.lock -o requirements-dev.lock
lock-check: $(STAMP)
	@rm -rf build/lock-check && mkdir -p build/lock-check
	@cp requirements.lock requirements-dev.lock build/lock-check/
	@$(UV_RUNTIME) -o build/lock-check/requirements.lock
	@$(UV_DEV) -c build/lock-check/requirements.lock -o build/lock-check/requirements-dev.lock
	@diff -q requirements.lock build/lock-check/requirements.lock >/dev/null && \
		diff -q requirements-dev.lock build/lock-check/requirements-dev.lock >/dev/null || \
		(echo "lock-check: pyproject.toml and the locks disagree; run make lock"; \
		 diff -u requirements.lock build/lock-check/requirements.lock | head -20; exit 1)
	@echo "lock-check: the locks agree with pyproject.toml"

## make run: the web client on http://127.0.0.1:8080 (the API under /api), the API on :8000,
## the embedded AWS on :5000 (Ctrl-C stops all three)
run: $(STAMP) web
	$(BIN)/yanxiu run

## make test: lint, the infrastructure check, the web client's types against the contract,
## then the whole suite (unit, integration, e2e, browser, concurrency)
test: $(STAMP) lock-check lint infra-lint package web-check dynamodb-local browser web
	$(BIN)/pytest -n $(PYTEST_WORKERS) -m "not concurrency" --cov=chalicelib --cov-branch \
		--cov-report=term:skip-covered tests
	YANXIU_DDB_LOCAL=$(DDB_LOCAL) $(BIN)/pytest -m concurrency tests/concurrency

## make check: the inner loop (lint, types, the unit tier with Hypothesis's fast profile), under a minute
check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	HYPOTHESIS_PROFILE=fast $(BIN)/pytest -q -n $(PYTEST_WORKERS) -m unit tests/unit

## make hooks: the same checks before each commit (.pre-commit-config.yaml, local hooks)
hooks: $(STAMP)
	$(BIN)/pre-commit install

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
	YANXIU_STAGE=prod $(BIN)/python infra/operations.py
	YANXIU_STAGE=prod $(BIN)/python infra/grants.py

## The CloudFormation that `chalice package --merge-template` produces, through cfn-lint.
infra-lint: $(STAMP)
	$(BIN)/python infra/lint.py

## DynamoDB Local (the jar ships in the npm package; Java 17 runs it) for the concurrency tier.
dynamodb-local: $(DDB_LOCAL)/package.json
$(DDB_LOCAL)/package.json:
	mkdir -p $(TOOLS)
	cd $(TOOLS) && npm install --silent --no-audit --no-fund amplify-dynamodb-simulator@2

## Debian's chromium for tests/browser: Playwright drives it (never `playwright install`, whose
## browser download is not to be had here), and a CJK font, without which every Chinese
## character of a screenshot is a box. Installed only when missing.
browser:
	command -v chromium >/dev/null && fc-list 2>/dev/null | grep -qi "wenquanyi micro hei" || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei)

## The web client: npm ci when the lock changed, vite build when a source did.
.PHONY: web web-types web-check
web: $(WEB_DIST)
$(WEB_DEPS): web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $(WEB_DEPS)
$(WEB_DIST): $(WEB_DEPS) $(WEB_SRC)
	cd web && npm run --silent build -- --logLevel warn

## The contract as TypeScript: the service's OpenAPI document (no server needed) and
## web/src/api/schema.d.ts generated from it by openapi-typescript (pinned in the lock).
web-types: $(STAMP) $(WEB_DEPS)
	$(BIN)/python -m yanxiu_local.openapi_dump web/openapi.json
	cd web && npx --no-install openapi-typescript openapi.json -o src/api/schema.d.ts --default-non-nullable false --silent

## make test's check: both generated files match the code (a contract change breaks the
## build, not a user), and the client type-checks against them (vue-tsc).
web-check: $(STAMP) $(WEB_DEPS)
	@mkdir -p build/web-check
	$(BIN)/python -m yanxiu_local.openapi_dump build/web-check/openapi.json
	cd web && npx --no-install openapi-typescript ../build/web-check/openapi.json -o ../build/web-check/schema.d.ts --default-non-nullable false --silent
	@diff -q web/openapi.json build/web-check/openapi.json >/dev/null && diff -q web/src/api/schema.d.ts build/web-check/schema.d.ts >/dev/null || \
		(diff -u web/src/api/schema.d.ts build/web-check/schema.d.ts | head -40; \
		 echo "web-check: the API contract changed; run make web-types and commit web/openapi.json and web/src/api/schema.d.ts"; exit 1)
	cd web && npx --no-install vue-tsc --noEmit -p tsconfig.json

## make bench: figures, not pass/fail
bench: $(STAMP) web browser dynamodb-local
	$(BIN)/python -m bench

## make outbox: the SMS and e-mails the running local stack captured
outbox: $(STAMP)
	$(BIN)/yanxiu outbox

## make package: the Lambda packages in build/package, lean and from the lock (infra/package.py:
## the code and the light dependencies for every function, OR-Tools and the media libraries as
## layers for the functions that use them), with their unzipped sizes. No AWS credentials needed.
package: $(STAMP)
	$(BIN)/python infra/package.py --stage $${STAGE:-prod}

## make deploy STAGE=prod: the package, the stack (CloudFormation change set), the web client
## to its bucket and CloudFront; prints the URLs. Needs AWS credentials and a region (README).
## make destroy STAGE=…: deletes the stack, keeps the data (tables, buckets, key, secret).
deploy: $(STAMP)
	$(BIN)/python infra/deploy.py deploy --stage $${STAGE:-prod}
destroy: $(STAMP)
	$(BIN)/python infra/deploy.py destroy --stage $${STAGE:-prod}

clean:
	rm -rf $(VENV) $(TOOLS) build vendor requirements.txt .pytest_cache .mypy_cache .ruff_cache web/node_modules web/dist
