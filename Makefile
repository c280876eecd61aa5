# The two commands a new user needs: `make pipeline` (set up, then run the whole pipeline on the bundled
# sample with the default model) and `make test` (set up, then run the test suite, docker backend included
# when this machine can run dockerd).
VENV := .venv
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: setup pipeline test docker

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml scripts/setup.sh
	bash scripts/setup.sh
	touch $@

pipeline: setup
	dvc repro

docker:
	bash scripts/docker-setup.sh

test: setup
	bash scripts/docker-setup.sh || echo "note: docker backend unavailable here; its tests will be skipped"
	python -m pytest
