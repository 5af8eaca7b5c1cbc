"""Anonymisation recall and precision on NorNE dev, pronoun accuracy, and speed.

    python bench/anonymization.py [--norne ../shared/data/norne] [--model DIR] [--limit N]

NorNE dev (UD bokmål, 2,410 sentences) is read sentence by sentence and anonymised in chunks of
running text (like a transcript). Printed per NorNE entity type:

- recall: a gold entity counts as caught when every non-space character of it lies inside some
  redacted span, whatever the span's label;
- span precision: the share of redacted name spans (person, place, municipality, workplace)
  that overlap some gold entity of any type.

Then the pronoun-rewrite accuracy on ``bench/data/pronouns.tsv`` (hand-labelled spoken sentences
with the hard cases: «han» as object, fronted adverbials, possessives, dialect forms, pre-name
articles): the share of pronouns rewritten to the expected form, and words per second.
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from anonymizer import Anonymizer, Policy, labels  # noqa: E402

NAME_LABELS = {labels.PERSON, labels.LOCATION, labels.MUNICIPALITY, labels.ORGANIZATION}
NAME_TAG = re.compile(r"name=([BI])-([A-Z_]+)")
CHUNK = 40  # sentences per anonymised text
PRONOUNS = REPO / "bench" / "data" / "pronouns.tsv"


@dataclass(frozen=True)
class Gold:
    start: int
    end: int
    kind: str


def read_dev(path: Path) -> list[tuple[str, list[Gold]]]:
    """Sentences as (text, gold entities with character offsets)."""
    sentences: list[tuple[str, list[Gold]]] = []
    text, gold, open_entity = "", [], None
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            line = line.rstrip("\n")
            if not line:
                if text:
                    sentences.append((text.rstrip(" "), gold))
                text, gold, open_entity = "", [], None
                continue
            cols = line.split("\t")
            if line.startswith("#") or not cols[0].isdigit():
                continue
            start = len(text)
            text += cols[1] + ("" if "SpaceAfter=No" in cols[9] else " ")
            end = start + len(cols[1])
            match = NAME_TAG.search(cols[9])
            if match and match.group(1) == "I" and open_entity and open_entity.kind == match[2]:
                open_entity = Gold(open_entity.start, end, open_entity.kind)
                gold[-1] = open_entity
            elif match:
                open_entity = Gold(start, end, match.group(2))
                gold.append(open_entity)
            else:
                open_entity = None
    return sentences


def evaluate_norne(anonymizer: Anonymizer, sentences: list[tuple[str, list[Gold]]]) -> None:
    caught, total = Counter[str](), Counter[str]()
    predicted = correct = words = 0
    seconds = 0.0
    for i in range(0, len(sentences), CHUNK):
        chunk = sentences[i:i + CHUNK]
        text, gold = "", []
        for sentence, entities in chunk:
            offset = len(text)
            text += sentence + " "
            gold += [Gold(g.start + offset, g.end + offset, g.kind) for g in entities]
        words += len(text.split())
        started = time.perf_counter()
        spans = anonymizer.analyze(text)
        seconds += time.perf_counter() - started
        covered = set()
        for span in spans:
            covered.update(range(span.start, span.end))
        for g in gold:
            total[g.kind] += 1
            if all(j in covered for j in range(g.start, g.end) if not text[j].isspace()):
                caught[g.kind] += 1
        for span in spans:
            if span.label in NAME_LABELS:
                predicted += 1
                correct += any(g.start < span.end and span.start < g.end for g in gold)
    print(f"NorNE dev: {len(sentences)} sentences, {words} words")
    print(f"{'type':8} {'gold':>6} {'caught':>7} {'recall':>7}")
    for kind in sorted(total, key=lambda k: -total[k]):
        print(f"{kind:8} {total[kind]:6d} {caught[kind]:7d} {caught[kind] / total[kind]:7.3f}")
    print(f"span precision: {correct}/{predicted} = {correct / max(predicted, 1):.3f}")
    print(f"speed (analysis, no normalisation): {words / seconds:,.0f} words/s")


def evaluate_pronouns(anonymizer: Anonymizer) -> None:
    right = total = sentences_right = 0
    rows = [line.split("\t") for line in PRONOUNS.read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")]
    for source, expected in rows:
        got = anonymizer.anonymize(source).text
        sentences_right += got == expected
        got_words, want_words = got.split(), expected.split()
        for k, want in enumerate(want_words):
            if re.sub(r"\W", "", want).lower() in {"hun", "henne", "hennes"}:
                total += 1
                right += k < len(got_words) and got_words[k] == want
        if got != expected:
            print(f"  pronoun miss: {source!r}\n      got {got!r}\n     want {expected!r}")
    print(f"pronouns: {right}/{total} = {right / max(total, 1):.3f} "
          f"({sentences_right}/{len(rows)} sentences exactly right)")


def evaluate_speed(anonymizer: Anonymizer) -> None:
    rows = [line.split("\t")[0] for line in PRONOUNS.read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")]
    text = " ".join(rows)
    while len(text.split()) < 7000:
        text += " " + text
    words = len(text.split())
    started = time.perf_counter()
    anonymizer.anonymize(text)
    seconds = time.perf_counter() - started
    print(f"interview-sized text: {words} words in {seconds:.2f} s "
          f"({words / seconds:,.0f} words/s, normalisation + detection + rewriting)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--norne", type=Path, default=REPO.parent / "shared/data/norne")
    parser.add_argument("--model", default=None, help="spaCy pipeline (default: bundled)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N sentences")
    args = parser.parse_args()
    sentences = read_dev(args.norne / "dev.conllu.gz")
    if args.limit:
        sentences = sentences[:args.limit]
    detect = Anonymizer("nb", Policy(normalize=False, pronouns=False), model=args.model)
    evaluate_norne(detect, sentences)
    full = Anonymizer("nb", Policy(), model=args.model)
    evaluate_pronouns(full)
    evaluate_speed(full)


if __name__ == "__main__":
    main()
