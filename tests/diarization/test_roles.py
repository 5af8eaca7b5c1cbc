"""«Intervjuer» is whoever asks the questions; overrides and renames win."""

from __future__ import annotations

from service.diarization import label_roles
from service.diarization.roles import interviewer_scores, rename_speakers, role_names
from service.exporters import get_exporter
from service.transcript import SpeakerRole, Transcript
from tests.factories import make_segment, make_transcript


def dialogue(*lines: tuple[str, float, float, str]) -> Transcript:
    return make_transcript(
        make_segment(start, end, text, speaker=speaker) for speaker, start, end, text in lines
    )


INTERVIEW = dialogue(
    ("SPEAKER_01", 0, 4, "Takk for at du ville være med."),
    ("SPEAKER_01", 4, 8, "Kan du fortelle om jobben din?"),
    ("SPEAKER_00", 8, 40, "Ja, jeg har jobbet i rusomsorgen i ti år, mest med oppfølging."),
    ("SPEAKER_01", 40, 43, "Hva er det viktigste i arbeidet"),
    ("SPEAKER_00", 43, 90, "Det er vel å skape tillit. Uten tillit kommer man ingen vei."),
    ("SPEAKER_01", 90, 91, "Mm."),
    ("SPEAKER_00", 91, 120, "Og så må man tåle at det går opp og ned."),
)


def test_the_questioner_is_the_interviewer() -> None:
    scores = interviewer_scores(INTERVIEW)
    assert scores["SPEAKER_01"] > scores["SPEAKER_00"]
    assert role_names(INTERVIEW) == {"SPEAKER_01": "Intervjuer", "SPEAKER_00": "Informant"}


def test_roles_fill_the_speaker_table_and_reach_the_exports() -> None:
    labelled = label_roles(INTERVIEW)
    assert [s.speaker for s in labelled.segments] == [s.speaker for s in INTERVIEW.segments]
    table = {s.id: (s.name, s.role, s.seconds) for s in labelled.speakers}
    assert table == {
        "SPEAKER_01": ("Intervjuer", SpeakerRole.INTERVIEWER, 12.0),
        "SPEAKER_00": ("Informant", SpeakerRole.INFORMANT, 108.0),
    }
    text = get_exporter("txt").render(labelled).decode()
    assert "[00:00:08] Informant: Ja, jeg har jobbet" in text
    assert "[00:00:00] Intervjuer: Takk for" in text


def test_override_and_renames() -> None:
    forced = label_roles(INTERVIEW, interviewer="SPEAKER_00")
    assert forced.speaker_name("SPEAKER_00") == "Intervjuer"
    assert forced.speaker_name("SPEAKER_01") == "Informant"
    renamed = label_roles(INTERVIEW, renames={"Informant": "S1", "SPEAKER_01": "I"})
    assert {s.name for s in renamed.speakers} == {"S1", "I"}
    again = rename_speakers(renamed, {"S1": "Kari", "SPEAKER_01": "Forsker"})
    assert [again.speaker_name(s.speaker) for s in again.segments[:3]] == ["Forsker"] * 2 + ["Kari"]
    assert rename_speakers(again, {"Kari": "Informant"}).speaker_name("SPEAKER_00") == "Informant"


def test_two_informants_are_numbered_in_order_of_appearance() -> None:
    group = dialogue(
        ("B", 0, 3, "Hvordan har dere det i teamet?"),
        ("C", 3, 20, "Vi har det bra, men det er travelt."),
        ("A", 20, 40, "Jeg er enig, det er mye å gjøre nå."),
        ("B", 40, 42, "Hva gjør dere med det?"),
    )
    assert role_names(group) == {"B": "Intervjuer", "C": "Informant 1", "A": "Informant 2"}


def test_rttm_lists_turns_with_role_labels() -> None:
    rttm = get_exporter("rttm").render(label_roles(INTERVIEW)).decode()
    lines = rttm.splitlines()
    assert len(lines) == 7
    fields = lines[2].split()
    assert len(fields) == 10
    assert fields[:5] == ["SPEAKER", "intervju", "1", "8.000", "32.000"]
    assert fields[7] == "Informant"


def test_no_speakers_no_roles() -> None:
    plain = dialogue(("x", 0, 1, "hei")).model_copy(
        update={"segments": (INTERVIEW.segments[0].model_copy(update={"speaker": None}),)}
    )
    assert role_names(plain) == {} and get_exporter("rttm").render(plain) == b""
