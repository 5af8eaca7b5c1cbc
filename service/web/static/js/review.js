// The review page of one job: listen and read, correct speakers, redactions and text, verify.
// Every change is sent with the version it was made to and comes back as the next version.

import { api } from "./api.js";
import { reportError, setupChrome } from "./chrome.js";
import { announce, byId, clock } from "./dom.js";
import { t } from "./i18n.js";
import { Player } from "./player.js";
import { editSegment, selectedStretch, setupRedactDialog } from "./review-edit.js";
import { renderExports, renderRedactions, renderSpeakers, renderVersions } from
  "./review-panels.js";
import { renderTranscript } from "./transcript-view.js";
import { labelVerify, setupVerify, showReceipt } from "./verify.js";

const HAS_TRANSCRIPT = new Set(["ready_for_review", "verified", "audio_deleted"]);
const HAS_AUDIO = new Set(["ready_for_review", "verified"]);
const ENDED = new Set(["failed", "withdrawn"]); // no transcript is coming

const state = {
  jobId: new URLSearchParams(window.location.search).get("job"),
  job: null,
  project: null,
  review: null,
  versions: [],
  originals: null, // what the tags replaced: fetched only when the researcher asks
  shown: new Set(), // redaction indexes whose original is shown
  verbatim: false,
};
const player = new Player(byId("audio"), byId("transcript"));

const keepsAudio = () => Boolean(state.project && !state.project.delete_audio_after_verify);
const jobUrl = () => `/api/v1/jobs/${encodeURIComponent(state.jobId)}`;
const editable = () => Boolean(state.review && state.review.latest
  && state.review.status === "ready_for_review");

async function load() {
  state.job = await api(jobUrl());
  if (!HAS_TRANSCRIPT.has(state.job.status)) {
    showWaiting();
    if (!ENDED.has(state.job.status)) setTimeout(() => load().catch(reportError), 2000);
    return;
  }
  byId("not-ready").hidden = true;
  state.review = await api(`${jobUrl()}/review`);
  state.versions = (await api(`${jobUrl()}/review/versions`)).versions;
  state.project = await api(`/api/v1/projects/${encodeURIComponent(state.job.project)}`)
    .catch(() => null);
  byId("review-body").hidden = false;
  render();
  await loadAudio();
  if (state.job.status === "audio_deleted") await showReceipt(state.job);
}

function showWaiting() {
  byId("job-title").textContent = state.job.filename || state.job.informant_code || "";
  byId("not-ready").hidden = false;
  const status = t(`status.${state.job.status}`);
  const error = state.job.error ? ` ${state.job.error.message}` : "";
  byId("not-ready-text").textContent = ENDED.has(state.job.status)
    ? `${status}.${error}`
    : t("review.not_ready", { status });
  byId("not-ready-progress").hidden = ENDED.has(state.job.status);
  byId("not-ready-progress").value = state.job.progress || 0;
}

async function loadAudio() {
  const note = byId("audio-note");
  if (!HAS_AUDIO.has(state.job.status)) {
    player.unload();
    note.textContent = t("player.deleted");
    byId("audio").hidden = true;
    byId("player").classList.add("gone");
    return;
  }
  note.textContent = t("player.loading");
  try {
    const playable = await player.load(state.jobId);
    note.textContent = playable ? t("player.hint") : t("player.deleted");
    byId("audio").hidden = !playable;
    byId("player").classList.toggle("gone", !playable);
  } catch (error) {
    note.textContent = t("player.failed", { message: error.message });
  }
}

function render() {
  const { job, review } = state;
  const code = job.informant_code ? `${job.informant_code} · ` : "";
  byId("job-title").textContent = `${code}${job.filename || ""}`;
  byId("job-meta").textContent = t("review.meta",
    { status: t(`status.${job.status}`), version: review.version });
  const canEdit = editable();
  const words = renderTranscript(byId("transcript"), review, {
    verbatim: state.verbatim,
    editable: canEdit,
    onEdit: (segment, body) => editSegment(segment, body, clock(segment.start),
      (text) => change(`/segments/${segment.id}`, "PATCH", { text })),
  });
  player.setWords(words);
  renderSpeakers(review, canEdit, actions);
  renderRedactions(review, canEdit, state.originals, state.shown, actions);
  renderExports(job, actions);
  renderVersions(state.versions);
  byId("verify-card").hidden = !canEdit;
  labelVerify(keepsAudio());
  byId("readonly-note").hidden = canEdit;
  byId("redact-selection").hidden = !canEdit;
}

async function change(path, method, body) {
  const withOriginals = state.originals !== null;
  try {
    const result = await api(`${jobUrl()}/review${path}${withOriginals ? "?originals=true" : ""}`,
      { method, body: { base_version: state.review.version, ...body } });
    await accept(result, withOriginals);
  } catch (error) {
    reportError(error);
    if (error.status === 409) await reload();
  }
}

async function accept(result, withOriginals) {
  state.review = result;
  if (withOriginals) state.originals = result.originals;
  state.shown.clear(); // indexes may have moved
  state.job.transcript_version = result.version;
  state.versions = (await api(`${jobUrl()}/review/versions`)).versions;
  render();
  announce(t("review.saved", { version: result.version }));
}

async function reload() {
  state.job = await api(jobUrl());
  const query = state.originals !== null && state.job.status === "ready_for_review"
    ? "?originals=true" : "";
  state.review = await api(`${jobUrl()}/review${query}`);
  state.originals = query ? state.review.originals : null;
  state.shown.clear();
  state.versions = (await api(`${jobUrl()}/review/versions`)).versions;
  render();
}

const actions = {
  failed: reportError,
  accept: (index) => change(`/redactions/${index}/accept`, "POST", {}),
  reject: (index) => change(`/redactions/${index}/reject`, "POST", {}),
  async toggleOriginal(index) {
    try {
      if (state.originals === null) {
        const fresh = await api(`${jobUrl()}/review?originals=true`);
        if (fresh.version !== state.review.version) state.shown.clear();
        state.review = fresh;
        state.originals = fresh.originals;
      }
      if (state.shown.has(index)) state.shown.delete(index);
      else state.shown.add(index);
      renderRedactions(state.review, editable(), state.originals, state.shown, actions);
      const button = document.querySelector(`#redaction-list li[data-redaction="${index}"] ` +
        "button[aria-expanded]");
      if (button) button.focus();
    } catch (error) {
      reportError(error);
    }
  },
  goto(index) {
    const node = byId("transcript").querySelector(`mark[data-redaction="${index}"]`);
    if (!node) return;
    node.scrollIntoView({ block: "center", behavior: "smooth" });
    node.classList.add("flash");
    setTimeout(() => node.classList.remove("flash"), 1600);
  },
  async saveSpeakers(interviewer, names) {
    const body = { names };
    if (interviewer) body.interviewer = interviewer;
    try {
      await api(`${jobUrl()}/speakers`, { method: "PATCH", body });
      await reload();
      announce(t("review.saved", { version: state.review.version }));
    } catch (error) {
      reportError(error);
    }
  },
};

async function verified(job) {
  state.job = job;
  state.originals = null;
  state.shown.clear();
  await reload();
  announce(t("verify.done"));
  await loadAudio();
  if (await showReceipt(job)) {
    byId("receipt-card").scrollIntoView({ block: "start" });
    byId("receipt-title").focus();
  }
}

function main() {
  setupChrome();
  if (!state.jobId) {
    announce(t("review.no_job"), "error");
    return;
  }
  let pending = null; // the selected stretch, kept while the dialog asks what it is
  const openRedactDialog = setupRedactDialog((label) => {
    const { segment, start, end } = pending;
    pending = null;
    change("/redactions", "POST", { segment, start, end, label });
  });
  byId("redact-selection").addEventListener("mousedown", (event) => event.preventDefault());
  byId("redact-selection").addEventListener("click", () => {
    pending = selectedStretch(state.review);
    if (pending) openRedactDialog(pending);
    else announce(t("redact.select_first"), "error");
  });
  byId("toggle-verbatim").addEventListener("change", (event) => {
    state.verbatim = event.target.checked;
    render();
  });
  setupVerify(() => ({
    jobId: state.jobId,
    version: state.review.version,
    keepsAudio: keepsAudio(),
  }), (job) => verified(job).catch(reportError), reportError);
  window.addEventListener("intervju:language", () => {
    if (state.review) render();
    else if (state.job) showWaiting();
    if (state.job && state.job.status === "audio_deleted") showReceipt(state.job);
  });
  load().catch(reportError);
}

main();
