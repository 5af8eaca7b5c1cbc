// The start page: sign in with a token, upload recordings, follow them until they are ready.

import { api, token } from "./api.js";
import { reportError, setupChrome, takeSignInMessage } from "./chrome.js";
import { byId } from "./dom.js";
import { watchJobs } from "./events.js";
import { t } from "./i18n.js";
import { JobList } from "./joblist.js";
import { loadProjects, setupUpload } from "./upload.js";

const jobs = new JobList();
const askedFor = new Set(); // project ids looked up once already

// A job in a project the page does not know yet (a default project made by the first upload):
// fetch the project names again, once per unknown project.
async function syncProjects() {
  const unknown = [...jobs.jobs.values()].map((job) => job.project)
    .filter((id) => id && !jobs.projects.has(id) && !askedFor.has(id));
  if (!unknown.length) return;
  unknown.forEach((id) => askedFor.add(id));
  try {
    jobs.setProjects(await loadProjects());
  } catch (error) {
    reportError(error);
  }
}

function showJobs(list) {
  jobs.replace(list);
  syncProjects();
}

function showSignIn(message) {
  byId("workbench").hidden = true;
  byId("signin").hidden = false;
  byId("sign-out").hidden = true;
  const error = byId("signin-error");
  error.textContent = message || "";
  error.hidden = !message;
  byId("token-input").focus();
}

async function signIn(event) {
  event.preventDefault();
  const input = byId("token-input");
  const value = input.value.trim();
  if (!value) return;
  const button = byId("signin-submit");
  button.disabled = true;
  token.set(value);
  try {
    await api("/api/v1/projects"); // does the service accept it?
    input.value = "";
    await openWorkbench();
  } catch (error) {
    token.clear();
    showSignIn(error.status === 401 ? t("signin.rejected") : error.message);
  } finally {
    button.disabled = false;
  }
}

async function openWorkbench() {
  byId("signin").hidden = true;
  byId("workbench").hidden = false;
  byId("sign-out").hidden = false;
  try {
    jobs.setProjects(await loadProjects());
  } catch (error) {
    reportError(error);
  }
  watchJobs({
    onJobs: showJobs,
    onEvent: async (event) => {
      if (!jobs.apply(event)) showJobs((await api("/api/v1/jobs")).jobs);
    },
    onMode: (mode) => {
      byId("feed-mode").textContent = t(mode === "live" ? "jobs.live" : "jobs.polling");
      byId("feed-mode").dataset.mode = mode;
    },
    isActive: () => jobs.anyRunning(),
  });
}

function main() {
  setupChrome();
  byId("signin-form").addEventListener("submit", signIn);
  setupUpload({
    onUploaded: (job) => {
      jobs.upsert(job);
      syncProjects();
    },
  });
  window.addEventListener("intervju:unauthorized", () => showSignIn(t("signin.expired")));
  window.addEventListener("intervju:language", () => {
    jobs.render();
    const mode = byId("feed-mode").dataset.mode;
    if (mode) byId("feed-mode").textContent = t(mode === "live" ? "jobs.live" : "jobs.polling");
  });
  if (token.get()) openWorkbench();
  else showSignIn(takeSignInMessage());
}

main();
