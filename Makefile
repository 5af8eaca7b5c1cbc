# The two commands of the README: `make serve` and `make test`.
.PHONY: setup setup-dev serve test test-fast lint

setup:
	@scripts/setup.sh

setup-dev:
	@scripts/setup.sh --dev

serve: setup
	.venv/bin/intervju serve

lint: setup-dev
	.venv/bin/ruff check service tests bench
	.venv/bin/mypy

# The whole suite, real-model tests included (what CI runs).
test: lint
	.venv/bin/python -m pytest

# Everything but the tests marked slow (real Whisper on real audio).
test-fast: lint
	.venv/bin/python -m pytest -m "not slow"
