"""The anonymisation step wired into the pipeline, and through the real anonymiser (the bundled
spaCy pipeline, Apertium) on small hand-built transcripts."""

from __future__ import annotations

from pathlib import Path

import pytest

from anonymizer import Policy, labels
from service.anonymize import TextAnonymizer, anonymize_transcript, load_anonymizer
from service.config import AnonymizationSettings, ASRSettings, Settings
from service.diarization.roles import label_roles
from service.errors import IntervjuError
from service.options import JobOptions
from service.transcript import Segment, Word
from tests import factories


def segment(*items: tuple[float, float, str, float], speaker: str | None = None) -> Segment:
    words = tuple(Word(start=s, end=e, text=t, probability=p) for s, e, t, p in items)
    text = "".join(w.text for w in words).strip()
    return factories.make_segment(words[0].start, words[-1].end, text, words=words, speaker=speaker)


class Recorded:
    """Stands in for a loaded anonymiser in the wiring tests (never asked to anonymise)."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    def anonymize(self, text: str) -> object:
        raise AssertionError("not called in these tests")


@pytest.fixture(scope="module")
def real_anonymizer() -> TextAnonymizer:
    from anonymizer import Anonymizer

    return Anonymizer("nb", policy=Policy())


def test_the_real_anonymizer_on_a_small_interview(real_anonymizer: TextAnonymizer) -> None:
    transcript = label_roles(
        factories.make_transcript(
            [
                segment(
                    (0.0, 0.3, " Hvor", 0.9),
                    (0.3, 0.6, " jobbet", 0.9),
                    (0.6, 0.8, " du", 0.9),
                    (0.8, 1.1, " før?", 0.9),
                    speaker="SPEAKER_00",
                ),
                segment(
                    (1.5, 1.7, " Jeg", 0.9),
                    (1.7, 2.0, " jobbet", 0.9),
                    (2.0, 2.1, " i", 0.9),
                    (2.1, 2.5, " Bodø", 0.9),
                    (2.5, 2.9, " sammen", 0.9),
                    (2.9, 3.0, " med", 0.9),
                    (3.0, 3.3, " Per", 0.8),
                    (3.3, 3.8, " Olsen.", 0.7),
                    speaker="SPEAKER_01",
                ),
                segment(
                    (4.0, 4.2, " Han", 0.9),
                    (4.2, 4.4, " var", 0.9),
                    (4.4, 4.8, " sjefen", 0.9),
                    (4.8, 5.0, " vår.", 0.9),
                    speaker="SPEAKER_01",
                ),
            ]
        )
    )
    result = anonymize_transcript(real_anonymizer, transcript)
    dumped = result.model_dump_json()
    for original in ("Bodø", "Per", "Olsen"):
        assert original not in dumped
    _, answer, after = result.segments
    name = next(w for w in answer.words if "[navn" in w.text)
    assert (name.text, name.start, name.end, name.probability) == (" [navn 1].", 3.0, 3.8, 0.7)
    assert answer.text.startswith("Jeg jobbet i [")
    assert after.words[0].text == " Hun" and after.text == "Hun var sjefen vår."
    assert result.speakers == transcript.speakers
    info = result.anonymization
    assert info is not None and info.normalized and info.pronouns
    labels_found = {r.label for r in info.redactions}
    assert labels.PERSON in labels_found
    assert labels_found & {labels.MUNICIPALITY, labels.LOCATION}
    assert all(r.segment == 1 for r in info.redactions)


def test_the_real_anonymizer_keeps_dialect_in_verbatim_without_the_name(
    real_anonymizer: TextAnonymizer,
) -> None:
    spoken = [" Eg", " veit", " ikkje", " kva", " ho", " Kari", " Hansen", " sa."]
    transcript = factories.make_transcript(
        [segment(*((i * 0.4, i * 0.4 + 0.3, text, 0.9) for i, text in enumerate(spoken)))]
    )
    result = anonymize_transcript(real_anonymizer, transcript)
    assert "Kari" not in result.model_dump_json() and "Hansen" not in result.model_dump_json()
    [seg] = result.segments
    pairs = [(w.text, w.verbatim) for w in seg.words]
    assert pairs[0] == (" Jeg", " Eg")
    assert (" ikke", " ikkje") in pairs
    name = next(w for w in seg.words if "[navn 1]" in w.text)
    assert name.verbatim is None and name.end == pytest.approx(6 * 0.4 + 0.3)
    assert "".join(w.verbatim or w.text for w in seg.words).startswith(" Eg veit ikkje")


def test_the_pipeline_loads_one_anonymizer_per_policy_and_keeps_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from service import pipeline as pipeline_module

    loaded: list[Policy] = []

    def load(settings: Settings, policy: Policy) -> Recorded:
        loaded.append(policy)
        return Recorded(policy)

    monkeypatch.setattr(pipeline_module, "load_anonymizer", load)
    pipeline = pipeline_module.Pipeline(Settings())
    first = pipeline.anonymizer(Policy())
    assert pipeline.anonymizer(Policy()) is first
    assert pipeline.anonymizer(Policy(dates=True)) is not first
    assert loaded == [Policy(), Policy(dates=True)]


def test_the_pipeline_policy_follows_the_job_and_the_settings() -> None:
    from service.pipeline import anonymization_policy

    settings = Settings()
    assert anonymization_policy(settings, JobOptions()) == Policy()
    assert anonymization_policy(settings, JobOptions(anonymize_dates=True)) == Policy(dates=True)
    off = Settings(anonymization=AnonymizationSettings(enabled=False))
    assert anonymization_policy(off, JobOptions()) == Policy(
        entities=frozenset(), pronouns=False, normalize=True
    )
    assert anonymization_policy(off, JobOptions(keep_dialect=True)) is None
    # nynorsk recordings are written as bokmål too, unless the job keeps its dialect
    nynorsk = Settings(asr=ASRSettings(language="nn"))
    assert anonymization_policy(nynorsk, JobOptions()) == Policy()
    assert anonymization_policy(nynorsk, JobOptions(keep_dialect=True)) == Policy(normalize=False)


def test_a_missing_pipeline_is_a_readable_error(tmp_path: Path) -> None:
    settings = Settings(anonymization=AnonymizationSettings(model=str(tmp_path / "nowhere")))
    with pytest.raises(IntervjuError) as caught:
        load_anonymizer(settings, Policy())
    assert caught.value.key == "anonymization.unavailable"
    assert "INTERVJU_ANONYMIZATION__MODEL" in caught.value.message("nb")
