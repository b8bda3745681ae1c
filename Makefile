# Developer entry points. `make run` and `make test` are all most people need.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# Test processes (pytest-xdist): `auto` is one per CPU; PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= auto
BENCH_ARGS ?=
CURATOR ?=

# Management commands run outside `make run` default to DEBUG=1 (so no SECRET_KEY
# is needed locally); set DEBUG=0 and SECRET_KEY in the environment to override.
DEV_ENV := DEBUG=$${DEBUG:-1}

.DEFAULT_GOAL := help
.PHONY: help install run test lint superuser curator bench mutation clean distclean

help:
	@echo "make run        install, migrate, load seed data and serve on http://$(HOST):$(PORT)/"
	@echo "make test       run the whole test suite (PYTEST_ARGS=... to pass options)"
	@echo "make lint       ruff check and mypy, as CI runs them"
	@echo "make serve      production server: migrate, collectstatic, gunicorn (needs SECRET_KEY etc., see docs/deploy.md)"
	@echo "make curator    create a curator account for the admin (CURATOR=username to skip the prompt)"
	@echo "make superuser  create a superuser"
	@echo "make bench      generate benchmark data and run the benchmarks"
	@echo "make mutation   mutation testing of the services, filters and selectors (slow; MUTATE=... for one file)"
	@echo "make install    create $(VENV) and install the project with its dev tools"
	@echo "make clean      remove caches and generated files (distclean also removes $(VENV) and db.sqlite3)"

install: $(STAMP)

# Reinstalled whenever pyproject.toml changes.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

run: $(STAMP)
	DEBUG=1 $(MANAGE) migrate --noinput
	DEBUG=1 $(MANAGE) load_seeds
	@if [ -d locale ] && command -v msgfmt >/dev/null 2>&1; then \
		DEBUG=1 $(MANAGE) compilemessages --ignore='$(VENV)' --ignore=node_modules --ignore=staticfiles; \
	else \
		echo "Skipping compilemessages (no locale/ directory or gettext's msgfmt not installed)."; \
	fi
	@echo "Heritage registry running at http://$(HOST):$(PORT)/ (admin at /admin/)"
	DEBUG=1 $(MANAGE) runserver $(HOST):$(PORT)

# Each test file runs in one worker, so a module's server process starts once.
test: $(STAMP)
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(DEV_ENV) $(VENV)/bin/mypy

# Production: no DEBUG, the environment of docs/deploy.md; gunicorn settings in
# heritage/gunicorn_conf.py (bind, workers and timeouts from the environment).
.PHONY: serve
serve: $(STAMP)
	$(MANAGE) migrate --noinput
	$(MANAGE) collectstatic --noinput --verbosity 0
	$(MANAGE) check --deploy --fail-level WARNING
	exec $(VENV)/bin/gunicorn --config python:heritage.gunicorn_conf

superuser: $(STAMP)
	$(DEV_ENV) $(MANAGE) createsuperuser

curator: $(STAMP)
	$(DEV_ENV) $(MANAGE) create_curator $(CURATOR)

bench: $(STAMP)
	$(DEV_ENV) $(MANAGE) generate_benchmark_data
	$(DEV_ENV) $(PY) benchmarks/run.py $(BENCH_ARGS)

# Mutation testing, not part of CI: mutmut changes one operator or constant at a time in
# each module and runs the tests that should notice; a surviving mutant is a behaviour no
# test pins down. Each module runs against its own tests, stopping at the first failure;
# with DATABASE_URL on PostgreSQL, --reuse-db keeps the test database between mutants.
MUTATE ?= registry/selectors/visibility.py registry/filters.py registry/services.py
MUTATION_TESTS_registry/selectors/visibility.py := tests/test_visibility_rule.py tests/test_visibility.py \
	tests/test_filter_visibility.py
MUTATION_TESTS_registry/filters.py := tests/test_filters.py tests/test_filter_visibility.py tests/test_api_sync.py \
	tests/test_api_read.py
MUTATION_TESTS_registry/services.py := tests/test_services.py tests/test_write_queries.py tests/test_workflow.py \
	tests/test_api_workflow.py tests/test_history.py tests/test_api_write.py tests/test_api_sync.py
MUTATION_PYTEST := $(PY) -m pytest -x -q -p no:cacheprovider --reuse-db

# mutmut keeps one cache, cleared when the module changes: each module's results are printed
# as soon as it is done.
mutation: $(STAMP)
	$(foreach module,$(MUTATE),$(VENV)/bin/mutmut run --paths-to-mutate $(module) --tests-dir tests \
		--no-progress --runner "$(MUTATION_PYTEST) $(MUTATION_TESTS_$(module))" || true; \
		echo "== $(module)"; $(VENV)/bin/mutmut results || true;)

clean:
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache staticfiles artifacts build dist *.egg-info

distclean: clean
	rm -rf $(VENV) db.sqlite3 db.sqlite3-journal
