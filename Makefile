# Two commands: `make run` and `make test`. Everything they need is installed here.
SHELL := /bin/bash
PORT ?= 8000
HOST ?= 127.0.0.1
GIS := .venv/bin/gis-service
PYTEST_ARGS ?=

FAST := not slow and not browser and not live and not fuzz

.PHONY: setup setup-run run test test-fast test-unit lint bench bench-monitoring db-up db-down layers clean load fuzz audit cluster cluster-down load-cluster

setup:
	@bash scripts/setup.sh test

setup-run:
	@bash scripts/setup.sh run

run: setup-run
	@$(GIS) db up
	@$(GIS) db migrate
	@$(GIS) load
	@echo ""
	@echo "  服务地址 / service:  http://$(HOST):$(PORT)/"
	@echo "  健康检查 / health:   http://$(HOST):$(PORT)/healthz"
	@echo "  API 文档 / API docs: http://$(HOST):$(PORT)/docs"
	@echo ""
	@$(GIS) serve --host $(HOST) --port $(PORT)

test: setup
	@bash scripts/lint.sh
	@.venv/bin/python -m pytest $(PYTEST_ARGS)

# The static checks alone (ruff, pylint duplicate-code); `make test` runs them first.
lint: setup
	@bash scripts/lint.sh

# The inner loop: everything but the slow, browser, live-server and fuzz tests.
test-fast: setup
	@.venv/bin/python -m pytest -m "$(FAST)" $(PYTEST_ARGS)

# Only the tests that need no database (pure logic and the layer files).
test-unit: setup
	@.venv/bin/python -m pytest -m "not db and not slow" $(PYTEST_ARGS)

# Benchmarks (docs/PERFORMANCE.md), not part of `make test`: results in bench/results/<date>.json.
bench: setup
	@bash bench/setup.sh
	@.venv/bin/python -m bench.run $(BENCH_ARGS)

# Warning re-evaluation cost per write at the plan's size (own PostGIS; bench/results/<date>.json).
bench-monitoring: setup
	@.venv/bin/python -m bench.monitoring

db-up: setup-run
	@$(GIS) db up

db-down:
	@$(GIS) db down

layers: setup
	@.venv/bin/python -m gis_service.layerbuild --out layers

clean:
	-@$(GIS) db down 2>/dev/null
	rm -rf .data .venv .pytest_cache test-output

# Long load run against a running service (make run in another shell): 60 s, 64 connections.
load: setup
	@.venv/bin/python -m tests.reliability.loadgen --base http://$(HOST):$(PORT) --duration 60 --connections 64

# The production topology on loopback: primary + streaming replica, $(APPS) app processes, nginx
# on port $(CLUSTER_PORT) (docs/DEPLOYMENT.md). GIS_SYNC_REPLICA=true for synchronous replication.
APPS ?= 2
CLUSTER_PORT ?= 8080
cluster: setup
	@$(GIS) cluster up --apps $(APPS) --http-port $(CLUSTER_PORT) --app-port $$(($(CLUSTER_PORT) + 1)) --load

cluster-down:
	@$(GIS) cluster down

# The same 60 s x 64 connections through nginx against the topology, with 2 then 3 app processes.
load-cluster: setup
	@nice -n 5 .venv/bin/python -m bench.cluster_load

# Long fuzz run (docs/RELIABILITY.md): schemathesis with ~100 examples per operation and the slow renders in
# full, hypothesis with 3000 examples per parser, and the hostile corpus. GIS_FUZZ_SEED=N repeats a run.
fuzz: setup
	@GIS_FUZZ_PROFILE=long .venv/bin/python -m pytest tests/fuzz -p no:cacheprovider $(PYTEST_ARGS)

# Known CVEs in the installed Python packages (PyPI advisory data). Not part of `make test`,
# so a CVE published elsewhere never breaks CI; run it before a release.
audit: setup
	@.venv/bin/python -m pip install -q -e '.[audit]'
	@.venv/bin/pip-audit --strict --progress-spinner off --skip-editable --vulnerability-service pypi
