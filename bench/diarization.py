"""Diarisation error rate and speed of a backend on conversations with exact ground truth.

    python bench/diarization.py [--backend builtin|pyannote] [--seconds 120] [--only NAME ...]

Prints, per scenario, DER with a 0.25 s collar (pyannote.metrics) split into missed speech,
false alarm and speaker confusion, the speaker count found, how many short turns (< 1 s, the
backchannels) got their own speaker, and the seconds of diarisation per hour of audio: the VAD
alone, the rest (what the pipeline adds, since it reuses the VAD of the recognition step), and
that rest as a share of the ASR time measured by bench/asr.py (``--asr-rtf``, default the
pipeline's 0.072 on this 2-core CPU with Whisper base).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pyannote.core import Annotation  # noqa: E402
from pyannote.metrics.diarization import DiarizationErrorRate  # noqa: E402

from bench.conversations import scenarios  # noqa: E402
from service.asr.windows import detect_speech  # noqa: E402
from service.config import Settings  # noqa: E402
from service.diarization.base import SpeakerHints, load_backend  # noqa: E402


def short_turns_kept(
    metric: DiarizationErrorRate, reference: Annotation, hypothesis: Annotation
) -> str:
    """How many reference turns under 1 s (backchannels) got their own speaker, as "k/n"."""
    mapping = metric.optimal_mapping(reference, hypothesis)
    short = [
        (seg, label)
        for seg, _, label in reference.itertracks(yield_label=True)
        if seg.duration < 1.0
    ]
    if not short:
        return ""
    right = 0
    for seg, label in short:
        found = hypothesis.crop(seg).argmax()
        right += found is not None and mapping.get(found) == label
    return f"{right}/{len(short)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="builtin")
    parser.add_argument("--seconds", type=float, default=120.0, help="length of each conversation")
    parser.add_argument("--only", nargs="*", help="scenario names")
    parser.add_argument("--asr-rtf", type=float, default=0.072, help="ASR real-time factor")
    parser.add_argument("--estimate", action="store_true", help="do not give the speaker count")
    args = parser.parse_args()
    settings = Settings()
    settings.diarization.backend = args.backend
    diarizer = load_backend(args.backend, settings)
    print(f"backend {args.backend}; speaker count {'estimated' if args.estimate else 'given'}")
    warm = scenarios(30.0)["distinct"]()  # load lazily imported code before timing
    diarizer(warm.audio, SpeakerHints(num_speakers=2))
    print(
        f"{'scenario':<16}{'min':>5}{'DER':>8}{'miss':>7}{'FA':>7}{'conf':>7}"
        f"{'found':>7}{'VAD s/h':>9}{'rest s/h':>9}{'of ASR':>8}"
    )
    for name, build in scenarios(args.seconds).items():
        if args.only and name not in args.only:
            continue
        scenario = build()
        hints = SpeakerHints() if args.estimate else SpeakerHints(num_speakers=scenario.speakers)
        started = time.perf_counter()
        speech = [(span.start, span.end) for span in detect_speech(scenario.audio)]
        vad_seconds = time.perf_counter() - started
        started = time.perf_counter()
        result = diarizer(scenario.audio, hints, speech=speech)
        seconds = time.perf_counter() - started
        metric = DiarizationErrorRate(collar=0.25, skip_overlap=False)
        parts = metric(scenario.reference, result.turns, detailed=True)
        short = short_turns_kept(metric, scenario.reference, result.turns)
        total = parts["total"] or 1.0
        per_hour = seconds / scenario.duration * 3600
        print(
            f"{name:<16}{scenario.duration / 60:>5.1f}{parts['diarization error rate']:>8.1%}"
            f"{parts['missed detection'] / total:>7.1%}{parts['false alarm'] / total:>7.1%}"
            f"{parts['confusion'] / total:>7.1%}{len(result.speakers):>4}/{scenario.speakers:<2}"
            f"{vad_seconds / scenario.duration * 3600:>9.1f}"
            f"{per_hour:>9.1f}{per_hour / (3600 * args.asr_rtf):>8.1%}"
            + (f"  short turns right {short}" if short else "")
            + (f"  ({scenario.note})" if scenario.note else "")
        )


if __name__ == "__main__":
    main()
