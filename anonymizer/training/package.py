"""Put a trained pipeline into the package, with its scores in ``meta.json``.

    python -m anonymizer.training.package build/nlp/out/model-best build/nlp \\
        anonymizer/model/nb_intervju

Scores: NDT held-out sentences (parts of speech, features, relations, NER) and NorNE's UD dev
split (parts of speech and NER; its relations are UD, not NDT, so the parser is not scored there).
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import spacy
from spacy.scorer import Scorer
from spacy.tokens import DocBin
from spacy.training import Example

KEEP = ("pos_acc", "morph_acc", "dep_uas", "dep_las", "ents_p", "ents_r", "ents_f")


def score(nlp: spacy.language.Language, corpus: Path, keys: tuple[str, ...] = KEEP
          ) -> dict[str, float]:
    docs = list(DocBin().from_disk(corpus).get_docs(nlp.vocab))
    examples = [Example(nlp(doc.text), doc) for doc in docs]
    scores = Scorer(nlp).score(examples)
    out = {k: round(float(scores[k]), 4) for k in keys if scores.get(k) is not None}
    out["ents_per_type"] = {  # type: ignore[assignment]
        label: {k: round(v, 4) for k, v in s.items()}
        for label, s in (scores.get("ents_per_type") or {}).items()
    }
    return out


def package(trained: Path, corpora: Path, target: Path) -> dict[str, object]:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(trained, target)
    nlp = spacy.load(target)
    meta_path = target / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta.update(
        name="nb_intervju",
        version="0.1.0",
        description=(
            "Norwegian bokmål pipeline for intervju's anonymiser: morphologizer (UD parts of "
            "speech and features), parser (NDT relations), NER (NorNE labels). Trained on NorNE "
            "bokmål (NDT train split); see anonymizer/training."
        ),
        license="CC0-1.0 (NorNE annotations); model weights MIT",
        sources=[{"name": "NorNE", "url": "https://github.com/ltgoslo/norne", "license": "CC0"}],
        performance={
            "ndt_heldout": score(nlp, corpora / "heldout.spacy"),
            # UD relations are not NDT's: the parser is scored on the held-out NDT only
            "norne_ud_dev": score(
                nlp, corpora / "ud-dev.spacy", tuple(k for k in KEEP if not k.startswith("dep"))
            ),
        },
    )
    meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return meta["performance"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trained", type=Path)
    parser.add_argument("corpora", type=Path, help="folder with heldout.spacy and ud-dev.spacy")
    parser.add_argument("target", type=Path)
    args = parser.parse_args()
    performance = package(args.trained, args.corpora, args.target)
    print(json.dumps(performance, indent=2))  # noqa: T201


if __name__ == "__main__":
    main()
