# Two commands for a fresh machine with only python3 and make: `make run`, `make test`.
# `make run` installs what running needs (the package and its dependencies); `make test`
# adds the test extras (pytest, the browser-test driver) and Dask, which the tests exercise.
VENV   ?= .venv
PY     := $(VENV)/bin/python
RUN_STAMP  := $(VENV)/.run-stamp
TEST_STAMP := $(VENV)/.test-stamp
DASK_STAMP := $(VENV)/.dask-stamp
SCENARIO ?= scenarios/electronics-baseline.yaml
OUT    ?= results/electronics-baseline

.PHONY: run test install install-test clean bench bench-sweep bench-province bench-share bench-risk bench-place bench-time

install: $(RUN_STAMP)

install-test: $(TEST_STAMP)

$(PY):
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml $(RUN_STAMP)
	$(PY) -m pip install --quiet -e '.[test,dask]'
	touch $@ $(DASK_STAMP)

$(DASK_STAMP): pyproject.toml $(RUN_STAMP)
	$(PY) -m pip install --quiet -e '.[dask]'
	touch $@

run: $(RUN_STAMP)
	$(VENV)/bin/symbiosis run $(SCENARIO) -o $(OUT)

test: $(TEST_STAMP)
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) results build *.egg-info

bench: $(RUN_STAMP)
	$(PY) benchmarks/phases.py

bench-sweep: $(DASK_STAMP)
	$(PY) benchmarks/sweep.py

bench-province: $(RUN_STAMP)
	$(PY) benchmarks/province.py

bench-share: $(RUN_STAMP)
	$(PY) benchmarks/share.py

bench-risk: $(RUN_STAMP)
	$(PY) benchmarks/risk.py

bench-place: $(RUN_STAMP)
	$(PY) benchmarks/placement.py

bench-time: $(RUN_STAMP)
	$(PY) benchmarks/time.py
