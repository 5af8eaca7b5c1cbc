# The two commands of the README: `make serve` and `make test`.
.PHONY: setup setup-dev serve test test-fast lint train-nlp

setup:
	@scripts/setup.sh

setup-dev:
	@scripts/setup.sh --dev

serve: setup
	.venv/bin/intervju serve

lint: setup-dev
	.venv/bin/ruff check service anonymizer tests bench
	.venv/bin/mypy

# The whole suite, real-model tests included (what CI runs).
test: lint
	.venv/bin/python -m pytest

# Everything but the tests marked slow (real Whisper on real audio).
test-fast: lint
	.venv/bin/python -m pytest -m "not slow"

# Retrain the anonymiser's Norwegian spaCy pipeline on NorNE (about an hour on 2 CPU cores)
# and package it into anonymizer/model/nb_intervju with its scores in meta.json.
NORNE ?= ../shared/data/norne
train-nlp: setup-dev
	.venv/bin/python -m anonymizer.training.convert $(NORNE) build/nlp
	.venv/bin/python -m spacy train anonymizer/training/config.cfg --output build/nlp/out \
		--paths.train build/nlp/train.spacy --paths.dev build/nlp/heldout.spacy
	.venv/bin/python -m anonymizer.training.package build/nlp/out/model-best build/nlp \
		anonymizer/model/nb_intervju
