// The list of recordings with their status and progress, kept current by events.js.

import { byId, el, formatTime } from "./dom.js";
import { getLang, t } from "./i18n.js";

const RUNNING = new Set(["uploaded", "queued", "decoding", "transcribing", "diarizing",
  "anonymizing"]);
const HAS_TRANSCRIPT = new Set(["ready_for_review", "verified", "audio_deleted"]);

export class JobList {
  constructor() {
    this.jobs = new Map(); // id -> job, newest first
    this.projects = new Map(); // id -> name
  }

  setProjects(projects) {
    this.projects = new Map(projects.map((project) => [project.id, project.name]));
    this.render();
  }

  // A full list from GET /api/v1/jobs.
  replace(jobs) {
    this.jobs = new Map(jobs.map((job) => [job.id, job]));
    this.render();
  }

  // One job, new (just uploaded) or changed.
  upsert(job) {
    const known = this.jobs.get(job.id);
    if (known) Object.assign(known, job);
    else this.jobs = new Map([[job.id, job], ...this.jobs]);
    this.render();
  }

  // An event from the stream: {id, project, status, step, progress, version, at}. False when
  // the job is unknown here (the caller then fetches the list).
  apply(event) {
    const known = this.jobs.get(event.id);
    if (!known) return false;
    known.status = event.status;
    known.step = event.step;
    known.progress = event.progress;
    if (event.version !== undefined && event.version !== null) {
      known.transcript_version = event.version;
    }
    this.render();
    return true;
  }

  anyRunning() {
    return [...this.jobs.values()].some((job) => RUNNING.has(job.status));
  }

  render() {
    const body = byId("jobs-body");
    body.replaceChildren(...[...this.jobs.values()].map((job) => this.row(job)));
    byId("jobs-empty").hidden = this.jobs.size > 0;
    byId("jobs-table").hidden = this.jobs.size === 0;
  }

  row(job) {
    const lang = getLang();
    const running = RUNNING.has(job.status);
    const status = el("td", { class: "status" },
      el("span", { class: `badge status-${job.status}`, text: t(`status.${job.status}`) }));
    if (running) {
      const percent = Math.round((job.progress || 0) * 100);
      status.append(
        el("progress", { max: "1", value: String(job.progress || 0),
          "aria-label": t(`status.${job.status}`) }),
        el("span", { class: "percent", text: `${percent} %` }),
      );
    }
    if (job.status === "failed" && job.error) {
      status.append(el("p", { class: "error small", text: job.error.message }));
    }
    const review = `/web/review?job=${encodeURIComponent(job.id)}`;
    const action = HAS_TRANSCRIPT.has(job.status)
      ? el("a", { class: "button small", href: review,
        text: job.status === "ready_for_review" ? t("jobs.review") : t("jobs.open") })
      : "";
    return el("tr", { dataset: { job: job.id, status: job.status } },
      el("td", { class: "file", text: job.filename || "—" }),
      el("td", { text: job.informant_code || "" }),
      el("td", { text: this.projects.get(job.project) || "" }),
      status,
      el("td", { class: "when", text: formatTime(job.created_at, lang) }),
      el("td", {}, action),
    );
  }
}
