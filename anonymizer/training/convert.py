"""Convert NorNE (bokmål) to spaCy's binary corpus format.

NorNE's training split is in the Norwegian Dependency Treebank's own format (NDT part-of-speech
tags, features and relations); its dev split is Universal Dependencies. The pipeline is trained on
NDT relations (the pronoun rules in ``anonymizer.pronouns`` are written against them) with NDT tags
mapped to UD parts of speech and features, so that both splits score the tagger and the NER.

The last ``--heldout`` training sentences become the development set used while training (it has
NDT relations); the UD dev split is converted for evaluating NER and parts of speech.

Spoken Norwegian uses «han» as an object, which written NDT text almost never does; each sentence
with an object «ham» is added once more with «han» in its place, so the parser learns the position,
not the spelling.

    python -m anonymizer.training.convert ../shared/data/norne build/nlp
"""

from __future__ import annotations

import argparse
import gzip
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from spacy.tokens import Doc, DocBin
from spacy.vocab import Vocab

UPOS = {
    "subst": "NOUN", "verb": "VERB", "prep": "ADP", "adj": "ADJ", "det": "DET", "pron": "PRON",
    "adv": "ADV", "konj": "CCONJ", "sbu": "SCONJ", "inf-merke": "PART", "interj": "INTJ",
    "symb": "SYM", "ukjent": "X",
}
FEATS = {
    "mask": "Gender=Masc", "fem": "Gender=Fem", "nøyt": "Gender=Neut",
    "ub": "Definite=Ind", "be": "Definite=Def", "ent": "Number=Sing", "fl": "Number=Plur",
    "nom": "Case=Nom", "akk": "Case=Acc", "gen": "Poss=Yes", "1": "Person=1", "2": "Person=2",
    "3": "Person=3", "pers": "PronType=Prs", "refl": "Reflex=Yes", "poss": "Poss=Yes",
    "pres": "Tense=Pres", "pret": "Tense=Past", "inf": "VerbForm=Inf", "imp": "Mood=Imp",
    "perf-part": "VerbForm=Part", "pass": "Voice=Pass", "komp": "Degree=Cmp", "sup": "Degree=Sup",
    "pos": "Degree=Pos",
}
NO_SPACE_BEFORE = {",", ".", ":", ";", "!", "?", ")", "»", "...", "%"}
NO_SPACE_AFTER = {"(", "«"}
OBJECT_RELATIONS = {"DOBJ", "IOBJ", "PUTFYLL"}
NAME_TAG = re.compile(r"name=([BI])-([A-Z_]+)")


@dataclass(frozen=True)
class Token:
    form: str
    pos: str
    feats: str
    head: int
    dep: str
    ner: str  # B-PER, I-ORG or O


def read_blocks(path: Path) -> Iterator[list[list[str]]]:
    block: list[list[str]] = []
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            line = line.rstrip("\n")
            if not line:
                if block:
                    yield block
                block = []
            elif not line.startswith("#"):
                cols = line.split("\t")
                if cols[0].isdigit():  # skip multiword ranges and empty nodes
                    block.append(cols)
    if block:
        yield block


def ner_tag(misc: str) -> str:
    match = NAME_TAG.search(misc)
    return f"{match.group(1)}-{match.group(2)}" if match else "O"


def ndt_token(cols: list[str]) -> Token:
    ndt_pos, feats = cols[3], cols[5].split("|")
    pos = "PROPN" if ndt_pos == "subst" and "prop" in feats else UPOS.get(ndt_pos, "PUNCT")
    morph = sorted({FEATS[f] for f in feats if f in FEATS and pos != "PUNCT"})
    if pos == "PRON" and "poss" in feats:
        morph = sorted(set(morph) - {"Case=Nom", "Case=Acc"})
    return Token(cols[1], pos, "|".join(morph), int(cols[6]), cols[7], ner_tag(cols[9]))


def ud_token(cols: list[str]) -> Token:
    return Token(cols[1], cols[3], "" if cols[5] == "_" else cols[5], int(cols[6]), cols[7],
                 ner_tag(cols[9]))


def spaces_for(tokens: list[Token], misc: list[str] | None) -> list[bool]:
    if misc is not None:
        return ["SpaceAfter=No" not in m for m in misc]
    spaces = []
    for i, tok in enumerate(tokens):
        nxt = tokens[i + 1].form if i + 1 < len(tokens) else ""
        spaces.append(tok.form not in NO_SPACE_AFTER and nxt not in NO_SPACE_BEFORE)
    return spaces


def to_doc(vocab: Vocab, tokens: list[Token], spaces: list[bool], with_deps: bool) -> Doc:
    heads = [t.head - 1 if t.head > 0 else i for i, t in enumerate(tokens)]
    deps = ["ROOT" if t.head == 0 else t.dep for t in tokens]
    ents = []
    for i, t in enumerate(tokens):
        # a stray I- after O (rare in NorNE) starts an entity
        if t.ner.startswith("I-") and (i == 0 or tokens[i - 1].ner[2:] != t.ner[2:]):
            ents.append("B-" + t.ner[2:])
        else:
            ents.append(t.ner)
    return Doc(
        vocab,
        words=[t.form for t in tokens],
        spaces=spaces,
        pos=[t.pos for t in tokens],
        morphs=[t.feats for t in tokens],
        heads=heads if with_deps else None,
        deps=deps if with_deps else None,
        ents=ents,
        sent_starts=[i == 0 for i in range(len(tokens))] if not with_deps else None,
    )


def spoken_object_copy(tokens: list[Token]) -> list[Token] | None:
    """The sentence with object «ham» written «han», or None when it has no such object."""
    if not any(t.form.lower() == "ham" and t.dep in OBJECT_RELATIONS for t in tokens):
        return None
    return [
        replace(t, form="Han" if t.form == "Ham" else "han")
        if t.form.lower() == "ham" and t.dep in OBJECT_RELATIONS else t
        for t in tokens
    ]


def convert(norne: Path, out: Path, heldout: int) -> dict[str, int]:
    vocab = Vocab()
    ndt = [[ndt_token(c) for c in block] for block in read_blocks(norne / "train.ndt.conll.gz")]
    train, held = ndt[:-heldout], ndt[-heldout:]
    train_bin, held_bin, ud_bin = DocBin(), DocBin(), DocBin()
    added = 0
    for tokens in train:
        train_bin.add(to_doc(vocab, tokens, spaces_for(tokens, None), with_deps=True))
        copy = spoken_object_copy(tokens)
        if copy is not None:
            train_bin.add(to_doc(vocab, copy, spaces_for(copy, None), with_deps=True))
            added += 1
    for tokens in held:
        held_bin.add(to_doc(vocab, tokens, spaces_for(tokens, None), with_deps=True))
    for block in read_blocks(norne / "dev.conllu.gz"):
        tokens = [ud_token(c) for c in block]
        ud_bin.add(to_doc(vocab, tokens, spaces_for(tokens, [c[9] for c in block]),
                          with_deps=False))
    out.mkdir(parents=True, exist_ok=True)
    train_bin.to_disk(out / "train.spacy")
    held_bin.to_disk(out / "heldout.spacy")
    ud_bin.to_disk(out / "ud-dev.spacy")
    return {"train": len(train_bin), "spoken_copies": added, "heldout": len(held_bin),
            "ud_dev": len(ud_bin)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("norne", type=Path, help="folder with train.ndt.conll.gz, dev.conllu.gz")
    parser.add_argument("out", type=Path, help="where the .spacy files go")
    parser.add_argument("--heldout", type=int, default=800)
    args = parser.parse_args()
    counts = convert(args.norne, args.out, args.heldout)
    print(" ".join(f"{k}={v}" for k, v in counts.items()))  # noqa: T201


if __name__ == "__main__":
    main()
