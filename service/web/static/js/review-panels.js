// The side panels of the review page: the speakers (roles and names), the list of redactions
// (accept, reject, show what a tag replaced), the downloads and the version history.

import { fetchBlob } from "./api.js";
import { byId, clock, el, formatTime, saveBlob } from "./dom.js";
import { getLang, t } from "./i18n.js";

// ``actions``: {saveSpeakers(interviewer, names), accept(index), reject(index),
// toggleOriginal(index), goto(index)}.
export function renderSpeakers(review, editable, actions) {
  const form = byId("speakers-form");
  const speakers = review.transcript.speakers;
  if (!speakers.length) {
    form.replaceChildren(el("p", { class: "muted", text: t("speakers.none") }));
    return;
  }
  const rows = speakers.map((speaker) => {
    const id = `speaker-name-${speaker.id}`;
    return el("div", { class: "speaker-row" },
      el("label", { for: id },
        el("span", { class: `role role-${speaker.role}`, text: t(`speakers.${speaker.role}`) }),
        el("span", { class: "visually-hidden", text: t("speakers.name", { id: speaker.id }) })),
      el("input", { id, type: "text", value: speaker.name, maxlength: "60",
        dataset: { speaker: speaker.id }, disabled: !editable }),
      el("span", { class: "muted small", text: speaker.seconds > 0
        ? `${speaker.id} · ${t("speakers.seconds", { time: clock(speaker.seconds) })}`
        : speaker.id }));
  });
  const current = speakers.find((speaker) => speaker.role === "interviewer");
  const choice = el("select", { id: "interviewer-select", disabled: !editable },
    ...speakers.map((speaker) => el("option", { value: speaker.id,
      selected: current && current.id === speaker.id, text: `${speaker.id} (${speaker.name})` })));
  form.replaceChildren(
    ...rows,
    el("div", { class: "field" },
      el("label", { for: "interviewer-select", text: t("speakers.is_interviewer") }), choice),
  );
  if (editable) {
    form.append(el("button", { type: "submit", class: "secondary", text: t("speakers.save") }));
  }
  form.onsubmit = (event) => {
    event.preventDefault();
    const names = {};
    for (const input of form.querySelectorAll("input[data-speaker]")) {
      const before = speakers.find((speaker) => speaker.id === input.dataset.speaker);
      if (input.value.trim() !== before.name) names[input.dataset.speaker] = input.value.trim();
    }
    const interviewer = choice.value !== (current && current.id) ? choice.value : null;
    actions.saveSpeakers(interviewer, names);
  };
}

export function renderRedactions(review, editable, originals, shown, actions) {
  const list = byId("redaction-list");
  byId("redactions-empty").hidden = review.redactions.length > 0;
  byId("originals-gone").hidden = editable;
  list.replaceChildren(...review.redactions.map((redaction) => {
    const item = el("li", { class: redaction.reviewed ? "reviewed" : "",
      dataset: { redaction: String(redaction.index) } },
      el("button", { type: "button", class: "link tag", text: redaction.tag,
        "aria-label": `${t("redactions.goto")}: ${redaction.tag}`,
        onclick: () => actions.goto(redaction.index) }),
      el("span", { class: "label", text: t(`label.${redaction.label}`) }),
      redaction.reviewed ? el("span", { class: "chip ok", text: t("redactions.reviewed") }) : null,
      redaction.source === "manual"
        ? el("span", { class: "chip", text: t("redactions.manual") }) : null);
    if (shown.has(redaction.index) && originals) {
      item.append(el("p", { class: "original",
        text: t("redactions.original", { text: originals[redaction.index] ?? "?" }) }));
    }
    if (editable) {
      item.append(el("div", { class: "row-actions" },
        redaction.reviewed ? null : el("button", { type: "button", class: "small",
          text: t("redactions.accept"), onclick: () => actions.accept(redaction.index) }),
        el("button", { type: "button", class: "small secondary",
          text: t("redactions.reject"), onclick: () => actions.reject(redaction.index) }),
        el("button", { type: "button", class: "small link", "aria-expanded":
          String(shown.has(redaction.index)),
        text: shown.has(redaction.index) ? t("redactions.hide") : t("redactions.show"),
        onclick: () => actions.toggleOriginal(redaction.index) })));
    }
    return item;
  }));
}

export function renderExports(job, actions) {
  const list = byId("exports");
  const formats = Object.entries((job.links && job.links.transcripts) || {});
  byId("exports-empty").hidden = formats.length > 0;
  list.replaceChildren(...formats.map(([format, url]) => el("li", {},
    el("button", { type: "button", class: "secondary small", dataset: { format },
      "aria-label": t("exports.format", { format: format.toUpperCase() }),
      text: format.toUpperCase(),
      onclick: async () => {
        try {
          const { blob, filename } = await fetchBlob(url);
          saveBlob(blob, filename);
        } catch (error) {
          actions.failed(error);
        }
      } }))));
}

export function renderVersions(versions) {
  const lang = getLang();
  byId("versions").replaceChildren(...[...versions].reverse().map((version) =>
    el("li", { text: t("versions.entry", {
      version: version.version,
      time: formatTime(version.created_at, lang),
      change: t(`change.${version.change}`),
      author: version.author || t("versions.by_pipeline"),
    }) })));
}
