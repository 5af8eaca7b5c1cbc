"""REFI-QDA project (.qdpx), the exchange format of NVivo, ATLAS.ti, MAXQDA and QualCoder.

The zip holds ``project.qde`` and ``sources/<guid>.txt``: the transcript as one text source
(one paragraph per turn, ``Speaker: text``), each turn a selection coded with its speaker
(codes under «Talere»), a case per speaker with the variable «Rolle» (Intervjuer/Informant), the
informant's case holding the whole source, and the codes of a codebook (.qdc) when one is given.
Selections count Unicode code points from 0, the end exclusive (as QualCoder does).

Every project.qde is checked against the standard's schema (``schemas/Project-mrt2019.xsd``,
REFI-QDA 1.0, MIT licence) before it is returned: an invalid one is a bug and raises.
"""

from __future__ import annotations

import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

from lxml import etree

from service import __version__
from service.exporters import DEFAULT_CONTEXT, ExportContext, register_exporter
from service.exporters.codebook import (
    Code,
    Codebook,
    parse_codebook,
    read_codebook,
    safe_parser,
    schema,
)
from service.exporters.layout import BlockKind, blocks, label, one_line, role_label, xml_text
from service.exporters.txt import format_timestamp
from service.transcript import Speaker, SpeakerRole, Transcript

NS = "urn:QDA-XML:project:1.0"
PROJECT_SCHEMA = "Project-mrt2019.xsd"


class InvalidProjectError(RuntimeError):
    """A .qdpx this module wrote does not fit the REFI-QDA schema (a bug here)."""


@dataclass(frozen=True)
class Turn:
    start: int  # code point offsets in the source text, end exclusive
    end: int
    speaker_id: str | None
    seconds: float


@register_exporter(
    "qdpx",
    media_type="application/zip",
    extension="qdpx",
    description="REFI-QDA project: transcript, speaker turns coded, cases, optional codebook.",
    binary=True,
)
def render_qdpx(transcript: Transcript, context: ExportContext = DEFAULT_CONTEXT) -> bytes:
    codebook = _read_codebook(context.codebook)
    text, turns = source_text(transcript, context)
    source_guid = _guid()
    project = _Project(transcript, context, source_guid).build(text, turns, codebook)
    validate_project(project)
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "project.qde",
            etree.tostring(project, xml_declaration=True, encoding="utf-8", pretty_print=True),
        )
        archive.writestr(f"sources/{source_guid}.txt", text.encode("utf-8"))
    return buffer.getvalue()


def _read_codebook(source: Path | bytes | None) -> Codebook | None:
    if source is None:
        return None
    return parse_codebook(source) if isinstance(source, bytes) else read_codebook(source)


def source_text(transcript: Transcript, context: ExportContext) -> tuple[str, list[Turn]]:
    """The text source (paragraphs with a blank line between) and where each turn stands."""
    parts: list[str] = []
    turns: list[Turn] = []
    offset = 0
    for block in blocks(transcript, context):
        stamp = f"[{format_timestamp(block.start)}] " if context.timestamps else ""
        speaker = f"{block.speaker}: " if block.speaker else ""
        paragraph = " ".join(f"{stamp}{speaker}{block.text}".split())
        if block.kind is BlockKind.SPEECH:
            turns.append(Turn(offset, offset + len(paragraph), block.speaker_id, block.start))
        parts.append(paragraph)
        offset += len(paragraph) + 2
    return "\n\n".join(parts) + "\n", turns


def validate_project(project: etree._Element) -> None:
    """Raise InvalidProjectError unless ``project`` fits the REFI-QDA project schema."""
    validator = schema(PROJECT_SCHEMA)
    if not validator.validate(project):
        raise InvalidProjectError(str(validator.error_log.last_error))


def read_project(data: bytes) -> etree._Element:
    """The project.qde of a .qdpx (for tests and checks)."""
    with zipfile.ZipFile(BytesIO(data)) as archive:
        return etree.fromstring(archive.read("project.qde"), parser=safe_parser())


class _Project:
    def __init__(self, transcript: Transcript, context: ExportContext, source_guid: str) -> None:
        self.transcript = transcript
        self.context = context
        self.source_guid = source_guid
        self.user = _guid()
        self.now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.speaker_codes = {s.id: _guid() for s in transcript.speakers}

    def build(self, text: str, turns: list[Turn], codebook: Codebook | None) -> etree._Element:
        project = _element(
            None,
            "Project",
            name=_clean(self.context.project) or label(self.context, "interview"),
            origin=f"intervju {__version__}",
            creatingUserGUID=self.user,
            creationDateTime=self.now,
        )
        users = _element(project, "Users")
        _element(users, "User", guid=self.user, name="intervju")
        self._codebook(project, codebook)
        role_variable = _guid()
        if self.transcript.speakers or self.context.informant_code:
            variables = _element(project, "Variables")
            _element(
                variables,
                "Variable",
                guid=role_variable,
                name=label(self.context, "role"),
                typeOfVariable="Text",
            )
        selections = [_guid() for _ in turns]
        self._cases(project, role_variable, turns, selections)
        self._source(project, text, turns, selections)
        if codebook is not None and codebook.sets:
            self._sets(project, codebook)
        return project

    def _codebook(self, project: etree._Element, codebook: Codebook | None) -> None:
        imported = codebook.codes if codebook is not None else ()
        if not imported and not self.transcript.speakers:
            return
        codes = _element(_element(project, "CodeBook"), "Codes")
        for code in imported:
            _imported_code(codes, code)
        if self.transcript.speakers:
            parent = _element(
                codes, "Code", guid=_guid(), name=label(self.context, "speakers"), isCodable="false"
            )
            for speaker in self.transcript.speakers:
                _element(
                    parent,
                    "Code",
                    guid=self.speaker_codes[speaker.id],
                    name=_clean(speaker.name),
                    isCodable="true",
                )

    def _cases(
        self,
        project: etree._Element,
        role_variable: str,
        turns: list[Turn],
        selections: list[str],
    ) -> None:
        speakers = self.transcript.speakers
        if not speakers and not self.context.informant_code:
            return
        cases = _element(project, "Cases")
        if not speakers:  # not diarised: one case, the informant, holding the whole source
            case = _element(cases, "Case", guid=_guid(), name=_clean(self.context.informant_code))
            self._role(case, role_variable, SpeakerRole.INFORMANT)
            _element(case, "SourceRef", targetGUID=self.source_guid)
            return
        informants = [s for s in speakers if s.role is SpeakerRole.INFORMANT]
        for speaker in speakers:
            case = _element(cases, "Case", guid=_guid(), name=self._case_name(speaker, informants))
            self._role(case, role_variable, speaker.role)
            if speaker.role is SpeakerRole.INFORMANT:
                _element(case, "SourceRef", targetGUID=self.source_guid)
            for turn, selection in zip(turns, selections, strict=True):
                if turn.speaker_id == speaker.id:
                    _element(case, "SelectionRef", targetGUID=selection)

    def _case_name(self, speaker: Speaker, informants: list[Speaker]) -> str:
        code = self.context.informant_code
        if code and speaker.role is SpeakerRole.INFORMANT:
            return _clean(code if len(informants) == 1 else f"{code} {speaker.name}")
        return _clean(speaker.name)

    def _role(self, case: etree._Element, variable: str, role: SpeakerRole) -> None:
        value = _element(case, "VariableValue")
        _element(value, "VariableRef", targetGUID=variable)
        _element(value, "TextValue").text = role_label(self.context, role)

    def _source(
        self, project: etree._Element, text: str, turns: list[Turn], selections: list[str]
    ) -> None:
        name = self.context.informant_code or label(self.context, "interview")
        source = _element(
            _element(project, "Sources"),
            "TextSource",
            guid=self.source_guid,
            name=_clean(name),
            plainTextPath=f"internal://{self.source_guid}.txt",
            creatingUser=self.user,
            creationDateTime=self.now,
        )
        for turn, selection in zip(turns, selections, strict=True):
            speaker = self.transcript.speaker_name(turn.speaker_id) or ""
            element = _element(
                source,
                "PlainTextSelection",
                guid=selection,
                name=_clean(f"{speaker} {format_timestamp(turn.seconds)}"),
                startPosition=str(turn.start),
                endPosition=str(turn.end),
                creatingUser=self.user,
                creationDateTime=self.now,
            )
            code = self.speaker_codes.get(turn.speaker_id or "")
            if code is not None:
                coding = _element(
                    element,
                    "Coding",
                    guid=_guid(),
                    creatingUser=self.user,
                    creationDateTime=self.now,
                )
                _element(coding, "CodeRef", targetGUID=code)

    def _sets(self, project: etree._Element, codebook: Codebook) -> None:
        sets = _element(project, "Sets")
        for code_set in codebook.sets:
            element = _element(sets, "Set", guid=code_set.guid, name=_clean(code_set.name))
            if code_set.description:
                _element(element, "Description").text = _clean(code_set.description)
            for member in code_set.members:
                _element(element, "MemberCode", targetGUID=member)


def _imported_code(parent: etree._Element, code: Code) -> None:
    attributes = {"guid": code.guid, "name": _clean(code.name)}
    attributes["isCodable"] = "true" if code.codable else "false"
    if code.color:
        attributes["color"] = code.color
    element = _element(parent, "Code", **attributes)
    if code.description:
        _element(element, "Description").text = _clean(code.description)
    for child in code.children:
        _imported_code(element, child)


def _element(parent: etree._Element | None, tag: str, **attributes: str) -> etree._Element:
    name = f"{{{NS}}}{tag}"
    if parent is None:
        return etree.Element(name, attributes, nsmap={None: NS})
    return etree.SubElement(parent, name, attributes)


def _clean(text: str | None) -> str:
    """Text XML can hold, on one line."""
    return one_line(xml_text(text or ""))


def _guid() -> str:
    return str(uuid.uuid4())
