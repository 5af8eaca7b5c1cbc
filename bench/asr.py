"""RTF, WER, repetition loops and peak memory: intervju's pipeline vs plain faster-whisper.

    python bench/asr.py AUDIO REFERENCE [--only pipeline|plain] [--model NAME|PATH]

REFERENCE is a text file, the reference text itself, or ``-`` for none (long files: RTF, loops
and memory only). Each system runs in its own process so its peak memory is its own. Both use
the same model files; "plain" is ``WhisperModel(path, device="cpu", compute_type="int8")`` and
``model.transcribe(audio, language="no")`` with every other option at faster-whisper's default
(the language is passed because auto-detection misfires on Norwegian).
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.metrics import cer, wer  # noqa: E402
from service.asr.loops import is_loop  # noqa: E402


def count_loops(texts: list[str]) -> int:
    """Segments that loop on their own, plus runs of 3+ identical consecutive segments."""
    loops = sum(1 for t in texts if is_loop(t))
    run = 1
    for previous, current in itertools.pairwise(texts):
        run = run + 1 if current.strip() and current.strip() == previous.strip() else 1
        if run == 3:
            loops += 1
    return loops


def run_system(system: str, audio: str, model: str) -> dict[str, object]:
    """Transcribe in this process and return text, timings and peak memory."""
    from service.offline import enforce_offline

    enforce_offline()
    from service.audio import decode_audio, probe_audio
    from service.config import Settings

    settings = Settings(asr={"model": model})
    info = probe_audio(Path(audio))
    started = time.monotonic()
    if system == "pipeline":
        from service.pipeline import JobOptions, Pipeline

        pipeline = Pipeline(settings)
        pipeline.engine()  # load outside the timing, like a warm worker
        started = time.monotonic()
        transcript = pipeline.run(Path(audio), JobOptions())
        texts = [s.text for s in transcript.segments]
        flagged = sum(1 for s in transcript.segments if "repetition_loop" in s.flags)
    else:
        from faster_whisper import WhisperModel

        from service.asr.models import resolve_model

        ref = resolve_model(model, settings.storage.models_path)
        whisper = WhisperModel(str(ref.path), device="cpu", compute_type="int8")
        samples = decode_audio(Path(audio), info).samples
        started = time.monotonic()
        segments, _ = whisper.transcribe(samples, language="no")
        texts = [s.text for s in segments]
        flagged = 0
    seconds = time.monotonic() - started
    return {
        "system": system,
        "text": " ".join(t.strip() for t in texts),
        "segments": len(texts),
        "loops": count_loops(texts),
        "flagged_loops": flagged,
        "seconds": seconds,
        "duration": info.duration,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("audio")
    parser.add_argument("reference")
    parser.add_argument("--only", choices=["pipeline", "plain"])
    parser.add_argument("--model", default="auto")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_system(args.child, args.audio, args.model)))
        return
    reference = _reference(args.reference)
    systems = [args.only] if args.only else ["pipeline", "plain"]
    print(f"audio: {args.audio}")
    print(
        f"{'system':<9} {'RTF':>6} {'x real':>7} {'WER':>6} {'CER':>6} {'loops':>5} {'peak MB':>8}"
    )
    for system in systems:
        out = subprocess.run(
            [sys.executable, __file__, args.audio, "-", "--child", system, "--model", args.model],
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        rtf = result["seconds"] / result["duration"]
        w = f"{wer(reference, result['text']):.3f}" if reference else "-"
        c = f"{cer(reference, result['text']):.3f}" if reference else "-"
        print(
            f"{system:<9} {rtf:>6.3f} {1 / rtf:>7.1f} {w:>6} {c:>6} {result['loops']:>5} "
            f"{result['peak_mb']:>8.0f}"
        )
        if system == "pipeline" and result["flagged_loops"]:
            print(f"          ({result['flagged_loops']} segment(s) flagged as loops for review)")


def _reference(value: str) -> str | None:
    if value == "-":
        return None
    path = Path(value)
    return path.read_text(encoding="utf-8") if path.is_file() else value


if __name__ == "__main__":
    main()
