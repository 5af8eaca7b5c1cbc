"""The spaCy pipeline behind the anonymiser, and Presidio's view of it.

The default is the pipeline trained on NorNE that ships inside this package
(``anonymizer/model/nb_intervju``, built by ``make train-nlp``). A user who can install spaCy's
``nb_core_news_lg`` (or any pipeline with NorNE labels) passes its package name or a directory.
Nothing is ever downloaded: Presidio's own engine would fetch a missing model, so it is given a
pipeline that is already loaded.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

import spacy
from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
from spacy.language import Language

from anonymizer import labels
from anonymizer.errors import ResourceMissing

log = logging.getLogger(__name__)

BUNDLED = Path(__file__).parent / "model" / "nb_intervju"


class ModelMissing(ResourceMissing):
    """The spaCy pipeline asked for is not installed."""


def load_pipeline(model: str | Path | None = None) -> Language:
    """The spaCy pipeline: bundled (None), a directory, or an installed package name."""
    if model is None:
        if not (BUNDLED / "meta.json").exists():
            raise ModelMissing(
                f"the bundled Norwegian pipeline is missing at {BUNDLED}; "
                "rebuild it with `make train-nlp` (see README)"
            )
        return _load(str(BUNDLED))
    path = Path(model).expanduser()
    if path.exists():
        return _load(str(path.resolve()))
    if spacy.util.is_package(str(model)):
        return _load(str(model))
    raise ModelMissing(
        f"spaCy pipeline {model!r} is neither a directory nor an installed package; install it "
        "(e.g. `pip install nb_core_news_lg-…whl` from a machine with internet) or point to "
        "its directory"
    )


@cache
def _load(name: str) -> Language:
    log.info("loading spaCy pipeline %s", name)
    nlp = spacy.load(name, exclude=["lemmatizer"])
    missing = {"parser", "ner"} - set(nlp.pipe_names)
    if missing:
        raise ModelMissing(f"spaCy pipeline {name!r} lacks {sorted(missing)}")
    return nlp


class LoadedSpacyEngine(SpacyNlpEngine):
    """Presidio's spaCy engine around a pipeline loaded by :func:`load_pipeline`."""

    def __init__(self, nlp: Language, language: str) -> None:
        super().__init__(
            models=[{"lang_code": language, "model_name": nlp.meta.get("name", "loaded")}],
            ner_model_configuration=NerModelConfiguration(
                model_to_presidio_entity_mapping=dict(labels.NORNE),
                labels_to_ignore=["PROD", "EVT", "DRV", "MISC"],
            ),
        )
        self.nlp: dict[str, Language] = {language: nlp}  # type: ignore[assignment]

    def load(self) -> None:
        """Already loaded: never let Presidio download a model."""
