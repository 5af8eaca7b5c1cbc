"""Words land on the right speaker through the real pipeline (Whisper base + built-in backend).

Whisper cannot read espeak's Norwegian voice, so these conversations use two English espeak
voices: the words then come out with real timestamps, which is what this test is about. The
pauses between turns are short (0.25-0.6 s), as in a lively interview.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from pyannote.core import Annotation, Segment

from bench.conversations import assemble
from bench.synth import speak, write_audio
from service.config import Settings
from service.diarization import label_roles
from service.options import JobOptions
from service.pipeline import Pipeline
from service.transcript import SpeakerRole, Transcript

pytestmark = pytest.mark.slow

QUESTIONS = [
    "Can you tell me about your work?",
    "What matters most to you in this job?",
    "How do you build trust with the people you help?",
    "What was the hardest situation you remember?",
    "How did you handle that?",
    "What would you change if you could?",
]
ANSWERS = [
    "I have worked in housing support for about ten years now, mostly with follow up visits.",
    "The most important thing is trust. Without trust you get nowhere at all.",
    "You have to show up every week, even when nothing seems to happen for a long time.",
    "Once a young man disappeared for several weeks and nobody knew where he was staying.",
    "We called the shelters and the hospitals every day until we found him again in the end.",
    "I would give us more time with each person and fewer forms to fill in every evening.",
]
INTERVIEWER, INFORMANT = ("en+m3", 45, 160), ("en+f2", 70, 150)


def english_interview(seed: int) -> tuple[np.ndarray, Annotation]:
    rng = random.Random(seed)
    parts = []
    for question, answer in zip(QUESTIONS, ANSWERS, strict=True):
        parts.append(("interviewer", speak(question, *INTERVIEWER)))
        parts.append(("informant", speak(answer, *INFORMANT)))
    return assemble([(who, _trim(a)) for who, a in parts], rng, (0.25, 0.6))


def _trim(samples: np.ndarray) -> np.ndarray:
    loud = np.flatnonzero(np.abs(samples) > 1e-3)
    return samples[loud[0] : loud[-1] + 1]


def word_accuracy(transcript: Transcript, reference: Annotation) -> tuple[float, int]:
    """Share of words whose speaker is the reference speaker at the word's middle."""
    names = {s.id: s.role for s in transcript.speakers}
    role_of = {SpeakerRole.INTERVIEWER: "interviewer", SpeakerRole.INFORMANT: "informant"}
    right = total = 0
    for word in transcript.words:
        middle = (word.start + word.end) / 2
        truth = reference.crop(Segment(middle - 0.15, middle + 0.15)).argmax()
        if truth is None:  # a word placed in a pause: judge by the nearest turn
            nearest = min(
                reference.itertracks(yield_label=True),
                key=lambda t: min(abs(t[0].start - middle), abs(t[0].end - middle)),
            )
            truth = nearest[2]
        total += 1
        right += role_of.get(names.get(word.speaker or "")) == truth
    return right / max(total, 1), total


@pytest.mark.parametrize("speakers", [2, None])
def test_words_carry_the_right_speaker(
    tmp_path: Path, settings: Settings, speakers: int | None
) -> None:
    audio, reference = english_interview(seed=7)
    path = write_audio(audio, tmp_path / "interview.wav")
    # English speech: recognition and speakers only, no Norwegian anonymiser
    options = JobOptions(num_speakers=speakers, anonymize=False, keep_dialect=True)
    transcript = Pipeline(settings).run(path, options)
    accuracy, words = word_accuracy(transcript, reference)
    # Of ~170 spoken, Whisper base keeps only some of espeak's English words, and how many
    # varies: stretches decoded again with temperature fallback (sampling) differ from run
    # to run (60 or more in earlier runs, 48 in one). Judged is each kept word's speaker.
    assert words >= 40
    assert accuracy >= 0.98, f"{accuracy:.3f} of {words} words"
    roles = sorted(s.role for s in transcript.speakers)
    assert roles == [SpeakerRole.INFORMANT, SpeakerRole.INTERVIEWER]
    assert transcript.diarization is not None and transcript.diarization.backend == "builtin"


def test_names_and_interviewer_override_reach_the_text(tmp_path: Path, settings: Settings) -> None:
    audio, _ = english_interview(seed=8)
    path = write_audio(audio, tmp_path / "interview.wav")
    options = JobOptions(
        num_speakers=2, speaker_names=(("Informant", "Kari"),), anonymize=False, keep_dialect=True
    )
    transcript = Pipeline(settings).run(path, options)
    names = {s.role: s.name for s in transcript.speakers}
    assert names == {SpeakerRole.INTERVIEWER: "Intervjuer", SpeakerRole.INFORMANT: "Kari"}
    first = transcript.segments[0].speaker
    assert transcript.speaker_name(first) == "Intervjuer"  # the questions come first
    informant = next(s.id for s in transcript.speakers if s.role == SpeakerRole.INFORMANT)
    swapped = label_roles(transcript, interviewer=informant)
    assert swapped.speaker_name(first) == "Informant"
    assert swapped.speaker_name(informant) == "Intervjuer"
