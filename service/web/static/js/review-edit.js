// Changing the text in review: redacting selected words the anonymiser missed (select, then
// choose what it is), and correcting a segment's text in place.

import { byId, el } from "./dom.js";
import { t } from "./i18n.js";

export const LABELS = ["PERSON", "MUNICIPALITY", "LOCATION", "ORGANIZATION", "NO_FODSELSNUMMER",
  "PHONE_NUMBER", "EMAIL_ADDRESS", "ADDRESS", "DATE_TIME", "AGE"];
const OPENING = /[«"“'(]/;
const CLOSING = /[.,;:!?»"”')]/;

// Where each word's text lies in the segment's text ([start, end) per word), or null.
function wordOffsets(segment) {
  const offsets = [];
  let position = 0;
  for (const word of segment.words) {
    const core = word.text.trim();
    const at = segment.text.indexOf(core, position);
    if (at < 0) return null;
    offsets.push([at, at + core.length]);
    position = at + core.length;
  }
  return offsets;
}

function paragraphOf(node) {
  const element = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
  return element ? element.closest("p.text:not(.said-text)") : null;
}

// Characters of ``paragraph`` before (``node``, ``offset``).
function textOffset(paragraph, node, offset) {
  const range = document.createRange();
  range.setStart(paragraph, 0);
  range.setEnd(node, offset);
  return range.toString().length;
}

// The selected stretch as {segment, start, end, text} in the segment's text, whole words and
// without the punctuation around them; null when the selection is not inside one segment.
export function selectedStretch(review) {
  const selection = window.getSelection();
  if (!selection || selection.isCollapsed || !selection.rangeCount) return null;
  const range = selection.getRangeAt(0);
  const paragraph = paragraphOf(range.startContainer);
  if (!paragraph || paragraph !== paragraphOf(range.endContainer)) return null;
  const segment = review.transcript.segments.find(
    (item) => String(item.id) === paragraph.dataset.segment);
  if (!segment) return null;
  const shown = paragraph.textContent;
  const lead = shown.length - shown.trimStart().length;
  let start = textOffset(paragraph, range.startContainer, range.startOffset) - lead;
  let end = textOffset(paragraph, range.endContainer, range.endOffset) - lead;
  const offsets = segment.words.length ? wordOffsets(segment) : null;
  if (offsets && shown.trim() !== segment.text) return null; // the view is out of step
  if (offsets) { // widen to whole words
    const touched = offsets.filter(([a, b]) => b > start && a < end);
    if (!touched.length) return null;
    start = touched[0][0];
    end = touched[touched.length - 1][1];
  }
  const text = segment.text;
  while (end > start && (CLOSING.test(text[end - 1]) || /\s/.test(text[end - 1]))) end -= 1;
  while (start < end && (OPENING.test(text[start]) || /\s/.test(text[start]))) start += 1;
  if (start >= end) return null;
  return { segment: segment.id, start, end, text: text.slice(start, end) };
}

// The dialog asking what the selected words are; ``submit(label)`` makes the redaction.
export function setupRedactDialog(submit) {
  const dialog = byId("redact-dialog");
  const select = byId("redact-label");
  const fill = () => select.replaceChildren(
    ...LABELS.map((label) => el("option", { value: label, text: t(`label.${label}`) })));
  fill();
  window.addEventListener("intervju:language", fill);
  byId("redact-cancel").addEventListener("click", () => dialog.close());
  byId("redact-form").addEventListener("submit", (event) => {
    event.preventDefault();
    dialog.close();
    submit(select.value);
  });
  return (stretch) => {
    byId("redact-selected").textContent = `«${stretch.text}»`;
    dialog.showModal();
    select.focus();
  };
}

// Replaces a segment's body with a text box; ``save(text)`` stores the correction.
export function editSegment(segment, body, time, save) {
  const id = `edit-${segment.id}`;
  const area = el("textarea", { id, rows: "3", class: "edit-text" });
  area.value = segment.text;
  const before = [...body.childNodes];
  const cancel = () => body.replaceChildren(...before);
  const form = el("form", { class: "edit-form" },
    el("label", { for: id, text: t("transcript.edit_label", { time }) }),
    area,
    el("p", { class: "muted small", text: t("transcript.edit_help") }),
    el("div", { class: "actions" },
      el("button", { type: "submit", text: t("transcript.save") }),
      el("button", { type: "button", class: "secondary", text: t("transcript.cancel"),
        onclick: cancel })));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (area.value.trim() === segment.text) cancel();
    else save(area.value.trim());
  });
  body.replaceChildren(form);
  area.focus();
}
