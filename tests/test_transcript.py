"""The transcript records, their JSON schema and the txt/json exporters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.errors import IntervjuError
from service.exporters import exporter_names, get_exporter
from service.transcript import (
    SCHEMA_VERSION,
    AnonymizationInfo,
    ModelInfo,
    Redaction,
    Segment,
    SegmentFlag,
    SourceInfo,
    Transcript,
    Word,
    transcript_json_schema,
)

SCHEMAS = Path(__file__).resolve().parent.parent / "service" / "schemas"
SCHEMA_FILE = SCHEMAS / f"transcript-{SCHEMA_VERSION}.json"


def make_transcript() -> Transcript:
    words = (
        Word(start=0.5, end=0.9, text=" Hei,", probability=0.93),
        Word(start=1.0, end=1.4, text=" ja.", probability=0.41),
    )
    return Transcript(
        language="no",
        source=SourceInfo(
            duration=3725.0, format_name="mp3", codec="mp3", sample_rate=44100, channels=2
        ),
        model=ModelInfo(name="whisper-base", language="no", device="cpu", compute_type="int8"),
        segments=(
            Segment(
                id=0,
                start=0.5,
                end=1.4,
                text="Hei, ja.",
                words=words,
                avg_logprob=-0.4,
                no_speech_prob=0.02,
                compression_ratio=1.1,
                flags=(SegmentFlag.LOW_CONFIDENCE,),
            ),
            Segment(
                id=1,
                start=3725.0 - 4,
                end=3724.0,
                text="  ",
                avg_logprob=-1.0,
                no_speech_prob=0.5,
                compression_ratio=1.0,
            ),
            Segment(
                id=2,
                start=3600.0,
                end=3605.0,
                text="Takk for praten.",
                speaker="Intervjuer",
                avg_logprob=-0.2,
                no_speech_prob=0.01,
                compression_ratio=1.0,
            ),
        ),
    )


def test_schema_file_matches_the_code() -> None:
    """`intervju schema --write` regenerates it; a changed record needs a new version."""
    assert json.loads(SCHEMA_FILE.read_text(encoding="utf-8")) == transcript_json_schema()


def test_json_round_trip_and_schema_version() -> None:
    transcript = make_transcript()
    data = get_exporter("json").render(transcript)
    parsed = json.loads(data)
    assert parsed["schema_version"] == SCHEMA_VERSION
    assert parsed["segments"][0]["words"][1] == {
        "start": 1.0,
        "end": 1.4,
        "text": " ja.",
        "probability": 0.41,
        "speaker": None,
        "verbatim": None,
    }
    assert Transcript.model_validate_json(data) == transcript


def test_older_schemas_stay_and_older_transcripts_still_load() -> None:
    assert SCHEMA_VERSION == "1.4"
    for version in ("1.1", "1.2", "1.3"):
        assert (SCHEMAS / f"transcript-{version}.json").is_file()
    data = json.loads(make_transcript().model_dump_json())
    data["schema_version"] = "1.2"
    del data["anonymization"]
    for segment in data["segments"]:
        for word in segment["words"]:
            del word["verbatim"]
    old = Transcript.model_validate(data)
    assert old.anonymization is None and old.words[0].verbatim is None


def test_a_1_3_redaction_loads_as_automatic_and_not_reviewed() -> None:
    redaction = Redaction.model_validate(
        {"tag": "[navn 1]", "label": "PERSON", "segment": 0, "word": None}
    )
    assert (redaction.reviewed, redaction.source) == (False, "auto")
    with pytest.raises(ValueError):
        Redaction.model_validate({**redaction.model_dump(), "source": "guessed"})


def test_anonymisation_round_trips_without_any_original_text() -> None:
    word = Word(start=0.5, end=0.9, text=" [navn 1],", probability=0.9)
    dialect = Word(start=1.0, end=1.4, text=" ikke.", probability=0.9, verbatim=" ikkje.")
    transcript = make_transcript()
    first = transcript.segments[0].model_copy(update={"words": (word, dialect)})
    info = AnonymizationInfo(
        normalized=True,
        pronouns=True,
        entities=("PERSON", "LOCATION"),
        redactions=(Redaction(tag="[navn 1]", label="PERSON", segment=0, word=0),),
        seconds=0.25,
    )
    anonymised = transcript.model_copy(
        update={"segments": (first, *transcript.segments[1:]), "anonymization": info}
    )
    data = get_exporter("json").render(anonymised)
    parsed = json.loads(data)
    assert parsed["anonymization"]["redactions"] == [
        {
            "tag": "[navn 1]",
            "label": "PERSON",
            "segment": 0,
            "word": 0,
            "reviewed": False,
            "source": "auto",
        }
    ]
    assert parsed["segments"][0]["words"][1]["verbatim"] == " ikkje."
    assert Transcript.model_validate_json(data) == anonymised
    with pytest.raises(ValueError):
        Redaction(tag="[navn 1]", label="PERSON", segment=0, word=0, text="Kari")  # type: ignore[call-arg]


def test_records_are_immutable_and_strict() -> None:
    transcript = make_transcript()
    with pytest.raises(ValueError):
        transcript.segments[0].text = "x"  # type: ignore[misc]
    with pytest.raises(ValueError):
        Word(start=0, end=1, text="x", probability=1.5)
    with pytest.raises(ValueError):
        Transcript.model_validate({**json.loads(transcript.model_dump_json()), "extra": 1})


def test_txt_has_timestamps_speakers_and_no_empty_paragraphs() -> None:
    text = get_exporter("txt").render(make_transcript()).decode("utf-8")
    assert text == "[00:00:00] Hei, ja.\n\n[01:00:00] Intervjuer: Takk for praten.\n"


def test_segment_confidence() -> None:
    assert make_transcript().segments[0].confidence == pytest.approx(0.67)
    assert make_transcript().segments[2].confidence == 1.0


def test_unknown_format_lists_the_known_ones() -> None:
    names = ["docx", "json", "maxqda", "nvivo", "qdpx", "rttm", "srt", "txt", "vtt"]
    assert exporter_names() == names
    with pytest.raises(IntervjuError) as caught:
        get_exporter("wpd")
    assert ", ".join(names) in caught.value.message("nb")
