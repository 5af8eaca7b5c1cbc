"""The bundled Norwegian pipeline, and swapping in another one without any download."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from anonymizer import Anonymizer, ModelMissing
from anonymizer.nlp import BUNDLED, load_pipeline

NORNE_LABELS = {"PER", "ORG", "GPE_LOC", "GPE_ORG", "LOC", "PROD", "EVT", "DRV", "MISC"}


def test_bundled_pipeline_is_small_and_complete() -> None:
    size = sum(p.stat().st_size for p in BUNDLED.rglob("*") if p.is_file())
    assert size < 30 * 1024 * 1024
    nlp = load_pipeline()
    assert {"tok2vec", "morphologizer", "parser", "ner"} <= set(nlp.pipe_names)
    assert set(nlp.get_pipe("ner").labels) == NORNE_LABELS
    meta = json.loads((BUNDLED / "meta.json").read_text(encoding="utf-8"))
    assert meta["name"] == "nb_intervju"
    assert meta["performance"]["norne_ud_dev"]["ents_f"] > 0.6


def test_the_pipeline_parses_spoken_object_pronouns() -> None:
    doc = load_pipeline()("Jeg ringte han i går.")
    assert [t.dep_ for t in doc][:3] == ["SUBJ", "ROOT", "DOBJ"]


def test_a_directory_can_be_given() -> None:
    assert Anonymizer("nb", model=BUNDLED).analyze("Jeg møtte Kari Hansen.")


def test_a_missing_package_is_an_error_not_a_download() -> None:
    with pytest.raises(ModelMissing, match="nb_core_news_lg"):
        load_pipeline("nb_core_news_lg")


def test_the_library_works_without_torch() -> None:
    """``anonymizer`` needs no torch (spaCy's thinc imports it only when it is installed)."""
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "from anonymizer import Anonymizer\n"
        "print(Anonymizer('nb').anonymize('Jeg ringte han Per i Bodø.').text)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.strip() == "Jeg ringte [navn 1] i [kommune 1]."
