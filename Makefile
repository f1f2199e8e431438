# Vigie: `make run` to start, `make test` to run every test. Each target sets itself up.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test bench lint install install-dev browser-deps clean

$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Vigie needs Python >= 3.11")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Debian chromium + chromium-driver for the browser tests (installed when missing and root).
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  else \
	    echo "chromium is missing: install the Debian packages chromium and chromium-driver"; exit 1; \
	  fi; \
	fi

run: install
	$(PY) -m vigie init
	$(PY) -m vigie users ensure-admin
	$(PY) -m vigie serve --host 127.0.0.1 --port 8050

test: install-dev browser-deps
	$(PY) -m mypy
	$(PY) -m pytest -n 2 --dist loadgroup -q tests

bench: install-dev
	$(PY) bench/run_all.py

lint: install-dev
	$(PY) -m pytest -q tests/core/test_layering.py

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
