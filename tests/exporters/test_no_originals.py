"""Property: no export of an anonymised transcript holds what its tags replaced, whatever the
layout, unless the researcher asked for the originals (and then only the docx's redaction key)."""

from __future__ import annotations

import zipfile
from io import BytesIO

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.exporters import ExportContext, exporter_names, get_exporter
from service.transcript import Transcript
from tests.exporters.strategies import anonymised

layouts = st.builds(
    ExportContext,
    project=st.sampled_from([None, "Hjemmetjenesten"]),
    informant_code=st.sampled_from([None, "I03"]),
    timestamps=st.booleans(),
    line_numbers=st.booleans(),
    language=st.sampled_from(["nb", "en"]),
)
TEXT_MEMBERS = (".xml", ".rels", ".qde", ".txt")


def readable(data: bytes) -> str:
    """The text of an export; of a zip (docx, qdpx), every text member's."""
    if data.startswith(b"PK"):
        with zipfile.ZipFile(BytesIO(data)) as archive:
            texts = [n for n in archive.namelist() if n.endswith(TEXT_MEMBERS)]
            assert texts, "a zip without text"
            data = b"".join(archive.read(name) for name in texts)
    return data.decode("utf-8-sig")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=anonymised(), context=layouts)
def test_no_export_holds_an_original_unless_asked(
    case: tuple[Transcript, dict[str, str]], context: ExportContext
) -> None:
    transcript, originals = case
    for name in exporter_names():
        text = readable(get_exporter(name).render(transcript, context))
        leaked = [original for original in originals.values() if original in text]
        assert leaked == [], name


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=anonymised())
def test_asked_for_only_the_docx_key_shows_them(case: tuple[Transcript, dict[str, str]]) -> None:
    transcript, originals = case
    context = ExportContext(originals=originals)
    for name in exporter_names():
        text = readable(get_exporter(name).render(transcript, context))
        shown = {original for original in originals.values() if original in text}
        assert shown == (set(originals.values()) if name == "docx" else set()), name
