"""Word (.docx): a page header with project, informant code and date, one paragraph per turn
with its speaker (and start time), pause marks, and optionally Word's own line numbering.

Line numbers are the section's line numbering (``w:lnNumType``, counted continuously through
the document, not restarted on each page), so Word, LibreOffice and their PDFs number every
printed line of the transcript the way researchers cite them; the title lines are left out of
the count.
"""

from __future__ import annotations

from datetime import date
from io import BytesIO

from docx import Document
from docx.document import Document as DocumentObject
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from service.exporters import DEFAULT_CONTEXT, ExportContext, register_exporter
from service.exporters.layout import (
    Block,
    BlockKind,
    blocks,
    label,
    one_line,
    redaction_rows,
    xml_text,
)
from service.exporters.txt import format_timestamp
from service.transcript import Transcript

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
GREY = RGBColor(0x66, 0x66, 0x66)
DOCUMENT_LANGUAGE = {"nb": "nb-NO", "en": "en-GB"}
# what may follow w:suppressLineNumbers in a paragraph's properties (ECMA-376 CT_PPrBase)
_AFTER_SUPPRESS = (
    *("w:pBdr", "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap"),
    *("w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi"),
    *("w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing"),
    *("w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment"),
    *("w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr"),
    "w:pPrChange",
)


@register_exporter(
    "docx",
    media_type=MEDIA_TYPE,
    extension="docx",
    description="Word document with header, speakers, pause marks and optional line numbers.",
    binary=True,
)
def render_docx(transcript: Transcript, context: ExportContext = DEFAULT_CONTEXT) -> bytes:
    document = Document()
    _set_defaults(document, context)
    _page_header(document, context)
    _title(document, context)
    for block in blocks(transcript, context):
        _block(document, block, context)
    rows = redaction_rows(transcript, context)
    if rows:
        _redaction_key(document, context, rows)
    if context.line_numbers:
        _number_lines(document)
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def header_line(context: ExportContext) -> str:
    """``Prosjekt: X · Informant: I03 · Eksportert: 2026-12-03`` (the parts that are known)."""
    parts = []
    if context.project:
        parts.append(f"{label(context, 'project')}: {one_line(xml_text(context.project))}")
    if context.informant_code:
        parts.append(f"{label(context, 'informant')}: {xml_text(context.informant_code)}")
    exported = context.exported_on or date.today()
    parts.append(f"{label(context, 'exported')}: {exported.isoformat()}")
    return " · ".join(parts)


def _set_defaults(document: DocumentObject, context: ExportContext) -> None:
    normal = document.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(11)
    run_properties = normal.element.get_or_add_rPr()
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), DOCUMENT_LANGUAGE["en" if context.language == "en" else "nb"])
    run_properties.append(lang)
    properties = document.core_properties
    properties.author = "intervju"
    properties.last_modified_by = "intervju"
    properties.comments = ""
    properties.title = label(context, "title")


def _page_header(document: DocumentObject, context: ExportContext) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4, not the template's Letter
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin = section.bottom_margin = Cm(2.5)
    header = section.header
    paragraph = header.paragraphs[0]
    run = paragraph.add_run(header_line(context))
    run.font.size = Pt(9)
    run.font.color.rgb = GREY


def _title(document: DocumentObject, context: ExportContext) -> None:
    title = label(context, "title")
    if context.informant_code:
        title = f"{title} – {xml_text(context.informant_code)}"
    _unnumbered(document.add_heading(title, level=1))
    _unnumbered(document.add_paragraph(header_line(context)))
    note = document.add_paragraph()
    note.add_run(label(context, "anonymised")).italic = True
    _unnumbered(note)


def _block(document: DocumentObject, block: Block, context: ExportContext) -> None:
    paragraph = document.add_paragraph()
    if context.timestamps:
        stamp = paragraph.add_run(f"[{format_timestamp(block.start)}] ")
        stamp.font.color.rgb = GREY
    if block.kind is BlockKind.SPEECH:
        if block.speaker:
            paragraph.add_run(f"{block.speaker}: ").bold = True
        paragraph.add_run(block.text)
    else:
        paragraph.add_run(block.text).italic = True


def _redaction_key(
    document: DocumentObject, context: ExportContext, rows: list[tuple[str, str]]
) -> None:
    _unnumbered(document.add_heading(label(context, "originals"), level=2))
    table = document.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    table.rows[0].cells[0].text = label(context, "tag")
    table.rows[0].cells[1].text = label(context, "original")
    for tag, original in rows:
        cells = table.add_row().cells
        cells[0].text = tag
        cells[1].text = original
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                _unnumbered(paragraph)


def _unnumbered(paragraph: Paragraph) -> None:
    """Leave the paragraph out of the line numbering."""
    properties = paragraph._p.get_or_add_pPr()
    properties.insert_element_before(OxmlElement("w:suppressLineNumbers"), *_AFTER_SUPPRESS)


def _number_lines(document: DocumentObject) -> None:
    """Number every line, continuously through the document (``w:lnNumType``)."""
    section_properties = document.sections[0]._sectPr
    numbering = OxmlElement("w:lnNumType")
    numbering.set(qn("w:countBy"), "1")
    numbering.set(qn("w:restart"), "continuous")
    numbering.set(qn("w:distance"), "283")  # twentieths of a point: 0.5 cm from the text
    # the schema orders sectPr's children: lnNumType comes before pgNumType, cols, docGrid, ...
    later = {qn(tag) for tag in ("w:pgNumType", "w:cols", "w:formProt", "w:vAlign", "w:docGrid")}
    following = next((child for child in section_properties if child.tag in later), None)
    if following is None:
        section_properties.append(numbering)
    else:
        following.addprevious(numbering)
