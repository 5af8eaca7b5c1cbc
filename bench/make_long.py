"""Build a long test recording: the CC0 Stortinget clips and a synthesised two-voice interview,
repeated with pauses, to measure speed, memory and loops on interview-length audio.

    python bench/make_long.py MINUTES OUT.mp3 [--real]

``--real`` uses the CC0 clips only and writes the matching reference text to OUT.txt, so WER
can be measured on the long file too.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.synth import INTERVIEW, conversation, write_audio  # noqa: E402
from service.audio import decode_audio, probe_audio  # noqa: E402

CLIPS = ("norwegian-short-3s.mp3", "norwegian-medium-8s.mp3")


def build(minutes: float, real_only: bool = False) -> tuple[np.ndarray, str]:
    """The recording and, for ``real_only``, its reference text."""
    refs = dict(
        (row.split("\t")[0], row.split("\t")[3])
        for row in (REPO / "samples" / "references.tsv").read_text().splitlines()[1:]
    )
    clips = []
    for name in CLIPS:
        path = REPO / "samples" / name
        clips.append(decode_audio(path, probe_audio(path)).samples)
    pause = np.zeros(16000, dtype=np.float32)
    if real_only:
        block = np.concatenate([clips[0], pause, clips[1], pause * 2, clips[1], pause])
        text = " ".join([refs[CLIPS[0]], refs[CLIPS[1]], refs[CLIPS[1]]])
    else:
        synthetic, _ = conversation(INTERVIEW)
        long_pause = np.zeros(16000 * 6, dtype=np.float32)
        block = np.concatenate(
            [clips[0], pause, clips[1], pause, synthetic, long_pause, clips[1], pause]
        )
        text = ""
    repeats = int(minutes * 60 * 16000 // len(block)) or 1
    return np.tile(block, repeats), " ".join([text] * repeats) if text else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("minutes", type=float)
    parser.add_argument("out", type=Path)
    parser.add_argument("--real", action="store_true", help="CC0 speech only, with reference")
    args = parser.parse_args()
    samples, reference = build(args.minutes, args.real)
    write_audio(samples, args.out, "-b:a", "64k")
    if reference:
        args.out.with_suffix(".txt").write_text(reference + "\n", encoding="utf-8")
    print(f"{args.out}: {len(samples) / 16000 / 60:.1f} min")


if __name__ == "__main__":
    main()
