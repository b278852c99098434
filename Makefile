# Two commands for a fresh machine with only python3 and make: `make run`, `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
SCENARIO ?= scenarios/electronics-baseline.yaml
OUT    ?= results/electronics-baseline

.PHONY: run test install clean bench bench-sweep bench-province

install: $(STAMP)

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[all]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/symbiosis run $(SCENARIO) -o $(OUT)

test: $(STAMP)
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) results build *.egg-info

bench: $(STAMP)
	$(PY) benchmarks/phases.py

bench-sweep: $(STAMP)
	$(PY) benchmarks/sweep.py

bench-province: $(STAMP)
	$(PY) benchmarks/province.py
