// The transcript as the researcher reads it: one block per segment with its time and speaker,
// every word clickable (it carries its start time), each redaction's tag marked, uncertain words
// and flagged segments shown, and optionally what was said (dialect) beside the bokmål.
// All text goes in through DOM text nodes, never as HTML.

import { clock, el } from "./dom.js";
import { t } from "./i18n.js";

export const LOW_CONFIDENCE = 0.5; // as service/transcript.py
const TAG = /\[[^\]]+\]/g;

// Redactions by segment: {segmentId: {byWord: Map(word -> redaction), loose: [redaction]}}.
function redactionIndex(redactions) {
  const index = new Map();
  for (const redaction of redactions) {
    if (!index.has(redaction.segment)) index.set(redaction.segment, { byWord: new Map(), loose: [] });
    const entry = index.get(redaction.segment);
    if (redaction.word === null || redaction.word === undefined) entry.loose.push(redaction);
    else entry.byWord.set(redaction.word, redaction);
  }
  return index;
}

function mark(tag, redaction) {
  const classes = ["redaction"];
  if (redaction && redaction.reviewed) classes.push("reviewed");
  return el("mark", {
    class: classes.join(" "),
    dataset: redaction ? { redaction: String(redaction.index) } : {},
    title: redaction ? t(`label.${redaction.label}`) : null,
    text: tag,
  });
}

// ``text`` with its tags marked (a tag found among ``redactions`` gets its index).
function withTags(text, redactions) {
  const nodes = [];
  let last = 0;
  const pending = [...redactions];
  for (const match of text.matchAll(TAG)) {
    nodes.push(text.slice(last, match.index));
    const at = pending.findIndex((redaction) => redaction.tag === match[0]);
    nodes.push(mark(match[0], at >= 0 ? pending.splice(at, 1)[0] : null));
    last = match.index + match[0].length;
  }
  nodes.push(text.slice(last));
  return nodes.filter((node) => node !== "");
}

function wordNode(word, index, redaction, said) {
  const text = said ? word.verbatim ?? word.text : word.text;
  const core = text.replace(/^\s+/, "");
  const classes = ["w"];
  let title = null;
  if (word.probability < LOW_CONFIDENCE) {
    classes.push("low");
    title = t("transcript.low_word", { percent: Math.round(word.probability * 100) });
  }
  if (word.verbatim !== null && word.verbatim !== undefined && word.verbatim !== word.text) {
    classes.push(said ? "said" : "normalised");
    if (!said) title = [title, t("transcript.said", { word: word.verbatim.trim() })]
      .filter(Boolean).join(" · ");
  }
  const span = el("span", {
    class: classes.join(" "),
    title,
    dataset: { start: String(word.start), end: String(word.end), index: String(index) },
  });
  span.append(...withTags(core, redaction ? [redaction] : []));
  return [text.slice(0, text.length - core.length), span];
}

function segmentText(segment, redactions, said) {
  const paragraph = el("p", { class: said ? "text said-text" : "text",
    dataset: { segment: String(segment.id) } });
  if (said) paragraph.lang = "no";
  if (!segment.words.length) {
    paragraph.append(...withTags(segment.text, redactions ? redactions.loose : []));
    return { paragraph, words: [] };
  }
  const words = [];
  segment.words.forEach((word, index) => {
    const redaction = redactions ? redactions.byWord.get(index) : undefined;
    const [space, span] = wordNode(word, index, redaction, said);
    paragraph.append(space, span);
    if (!said) words.push({ start: word.start, end: word.end, node: span });
  });
  return { paragraph, words };
}

function speakerLabel(transcript, speakerId) {
  const speaker = transcript.speakers.find((item) => item.id === speakerId);
  if (!speaker) return speakerId ? el("span", { class: "speaker", text: speakerId }) : null;
  const role = t(`speakers.${speaker.role}`);
  return el("span", { class: `speaker role-${speaker.role}` },
    el("span", { class: "speaker-name", text: speaker.name }),
    speaker.name === role ? null : el("span", { class: "speaker-role", text: ` (${role})` }));
}

function flagBadges(segment) {
  return segment.flags.map((flag) =>
    el("span", { class: `flag flag-${flag}`, role: "note", text: t(`flag.${flag}`) }));
}

// Draws ``review`` into ``container``; returns the words in time order for the player.
export function renderTranscript(container, review, { verbatim, editable, onEdit }) {
  const transcript = review.transcript;
  const redactions = redactionIndex(review.redactions);
  const words = [];
  const blocks = transcript.segments.map((segment) => {
    const { paragraph, words: spoken } = segmentText(segment, redactions.get(segment.id), false);
    words.push(...spoken);
    const body = el("div", { class: "segment-body" }, paragraph);
    if (verbatim) {
      body.classList.add("side-by-side");
      body.append(segmentText(segment, redactions.get(segment.id), true).paragraph);
    }
    const flagged = segment.flags.some((flag) => flag !== "redecoded");
    const time = clock(segment.start);
    const head = el("div", { class: "segment-head" },
      el("button", { type: "button", class: "time", dataset: { start: String(segment.start) },
        "aria-label": t("transcript.seek", { time }), text: time }),
      speakerLabel(transcript, segment.speaker),
      ...flagBadges(segment),
      editable
        ? el("button", { type: "button", class: "link edit", text: t("transcript.edit"),
          onclick: () => onEdit(segment, body) })
        : null);
    return el("article", { class: flagged ? "segment flagged" : "segment",
      dataset: { segment: String(segment.id) } }, head, body);
  });
  if (verbatim) {
    blocks.unshift(el("div", { class: "columns-head", "aria-hidden": "true" },
      el("span", { text: t("transcript.bokmal") }), el("span", { text: t("transcript.verbatim") })));
  }
  container.replaceChildren(...blocks);
  words.sort((a, b) => a.start - b.start);
  return words;
}
