# The two commands a newcomer needs are `make run` and `make test`; everything else is for maintainers.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench lint fmt lock schema clean

# Recreate the environment whenever the pinned requirements change.
$(STAMP): requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=/path/to/python3.11"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

# Serve the API on 127.0.0.1:$(PORT or 8000) with a Celery worker and beat; Ctrl-C stops everything.
run: $(STAMP)
	$(PY) -m portal.devstack run

# The whole suite; on DATABASE_URL/REDIS_URL when set, on an embedded PostgreSQL otherwise.
test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) -m bench

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

schema: $(STAMP)
	$(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

# Regenerate the pinned requirement files from pyproject.toml (needs uv in the venv: pip install uv).
lock: $(STAMP)
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --python-version 3.11 --no-header -o requirements.txt
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --python-version 3.11 --no-header -o requirements-dev.txt

clean:
	rm -rf $(VENV) .data .pytest_cache
