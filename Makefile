# The README's two commands: `make demo` and `make test`. Every step is idempotent and
# skips work already done, so a second run is fast.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
PORT ?= 8888
# torch first, pinned: the CPU build here, the default (CUDA) build on a machine that has it.
TORCH_SPEC ?= torch==2.13.0
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
JS_SOURCES := $(shell find js/src -type f 2>/dev/null)

.PHONY: demo test setup test-setup test-python test-js lint bench browser-deps clean test-peers bench-peers

demo: setup
	@echo "Starting JupyterLab on notebooks/ (open the URL below; Ctrl-C stops it)"
	$(VENV)/bin/jupyter lab --no-browser --ip=127.0.0.1 --port=$(PORT) --notebook-dir=notebooks \
		--LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
		$$( [ "$$(id -u)" = 0 ] && echo --allow-root )

test: test-setup
	$(MAKE) lint
	$(MAKE) test-js
	$(MAKE) test-python

setup: $(VENV)/.installed xai_widgets/static/widget.js $(VENV)/.kernel-registered $(VENV)/.lab-configured

test-setup: setup browser-deps

$(VENV)/bin/python:
	python3 -m venv $(VENV)

$(VENV)/.torch: | $(VENV)/bin/python
	$(PIP) install "$(TORCH_SPEC)"
	touch $@

$(VENV)/.installed: pyproject.toml $(VENV)/.torch
	$(PIP) install "hatchling>=1.21" "hatch-jupyter-builder>=0.9" editables
	$(PIP) install --no-build-isolation -e ".[demo,test]"
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

xai_widgets/static/widget.js: node_modules/.package-lock.json $(JS_SOURCES)
	npm run build

$(VENV)/.kernel-registered: $(VENV)/.installed
	$(PY) -m ipykernel install --sys-prefix --name xai-widgets --display-name "Python (xai_widgets)"
	touch $@

# JupyterLab's announcements plugin opens a "get notified about Jupyter news?" pop-up over the
# views on a first start; switch it off inside this venv only (Lab and Notebook 7 both read it).
$(VENV)/.lab-configured: $(VENV)/.installed
	$(VENV)/bin/jupyter labextension disable --level=sys_prefix "@jupyterlab/apputils-extension:announcements"
	touch $@

browser-deps:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }

test-js: node_modules/.package-lock.json
	npm test

# Lint and types: ruff (rules and format, configured in pyproject.toml) and mypy on the package;
# the front end's strict tsc runs in test-js.
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test-python: setup
	$(PY) -m pytest

bench: setup
	$(PY) -m benchmarks.run --output benchmarks/RESULTS.md

# Peers that import torchvision (Zennit, pytorch-grad-cam) as test-only oracles, in a venv of
# their own: PyPI's torchvision does not import beside the CPU torch above, and the pair below is
# a large CUDA build (about 6 GB) that runs on the CPU. Optional: `make test` never needs it.
PEERS_VENV ?= .venv-peers
PEERS_TORCH ?= torch==2.14.1 torchvision==0.29.1
PEERS := zennit==0.5.1 grad-cam==1.5.7 captum pytest pytest-timeout numpy anywidget ipywidgets bqplot

$(PEERS_VENV)/.installed:
	python3 -m venv $(PEERS_VENV)
	$(PEERS_VENV)/bin/pip install $(PEERS_TORCH)
	$(PEERS_VENV)/bin/pip install $(PEERS)
	touch $@

# The package runs from the source tree (PYTHONPATH): its kernel needs no built front end.
test-peers: $(PEERS_VENV)/.installed
	PYTHONPATH=$(CURDIR) $(PEERS_VENV)/bin/python -m pytest tests/peers -o addopts=-ra -p no:cacheprovider

# Prints the LRP-vs-Zennit and CAM-vs-pytorch-grad-cam tables (copied into benchmarks/RESULTS.md).
bench-peers: $(PEERS_VENV)/.installed
	PYTHONPATH=$(CURDIR) $(PEERS_VENV)/bin/python benchmarks/lrp_peers.py
	PYTHONPATH=$(CURDIR) $(PEERS_VENV)/bin/python benchmarks/cam_peers.py

clean:
	rm -rf $(VENV) $(PEERS_VENV) node_modules xai_widgets/static
