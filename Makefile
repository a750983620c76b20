# The README's commands. Every target installs what it needs; `setup` is idempotent:
# it reinstalls only when pyproject.toml, a plugin's pyproject.toml or constraints.txt changed.
# Each plugin is installed with its `test` extra (test-only oracles such as astra-toolbox for CT);
# the core with `ray` too, so the batch tests run the Ray engine (about 30 s more to install).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt
PLUGINS := $(patsubst %/pyproject.toml,%,$(wildcard plugins/*/pyproject.toml))
STAMP  := $(VENV)/.denoisekit-installed
OUT    ?= demo-output

.PHONY: setup demo test lint docs clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt $(wildcard plugins/*/pyproject.toml)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "installing denoisekit and $(words $(PLUGINS)) plugin(s) into $(VENV) (first time: a few minutes)"
	$(PIP) -e ".[dev,ray]" $(foreach p,$(PLUGINS),-e "$(p)[test]")
	@touch $(STAMP)

demo: setup
	$(VENV)/bin/denoisekit demo --output $(OUT) --overwrite

lint: setup
	$(VENV)/bin/ruff check .

# one OpenMP thread per test worker: two workers on two cores (more threads oversubscribe)
test: lint
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PY) -m pytest -n 2 -q

docs: setup
	$(VENV)/bin/mkdocs build --strict --site-dir site

clean:
	rm -rf $(VENV) site $(OUT)
