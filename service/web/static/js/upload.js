// Uploading recordings: drag and drop or the file picker, several at a time, to a chosen
// project, each with its own progress bar.

import { api, uploadRecording } from "./api.js";
import { byId, el } from "./dom.js";
import { t } from "./i18n.js";

export function setupUpload({ onUploaded }) {
  const form = byId("upload-form");
  const input = byId("file-input");
  const zone = byId("drop-zone");
  const list = byId("upload-queue");
  const start = byId("upload-start");
  let queue = []; // {file, row, bar, state}

  function add(files) {
    for (const file of files) {
      const bar = el("progress", { max: "1", value: "0", "aria-label": file.name });
      const state = el("span", { class: "upload-state", text: t("upload.waiting") });
      const entry = { file, bar, state, done: false };
      const remove = el("button", {
        type: "button",
        class: "icon",
        "aria-label": t("upload.remove", { name: file.name }),
        text: "×",
        onclick: () => {
          queue = queue.filter((other) => other !== entry);
          entry.row.remove();
          update();
        },
      });
      entry.row = el("li", {}, el("span", { class: "upload-name", text: file.name }), bar, state,
        remove);
      entry.remove = remove;
      queue.push(entry);
      list.append(entry.row);
    }
    update();
  }

  function update() {
    start.disabled = !queue.some((entry) => !entry.done && !entry.busy);
  }

  input.addEventListener("change", () => {
    add(input.files);
    input.value = "";
  });
  for (const name of ["dragenter", "dragover"]) {
    zone.addEventListener(name, (event) => {
      event.preventDefault();
      zone.classList.add("over");
    });
  }
  for (const name of ["dragleave", "drop"]) {
    zone.addEventListener(name, () => zone.classList.remove("over"));
  }
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    add(event.dataTransfer.files);
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const fields = {
      project: byId("project-select").value,
      speakers: byId("speakers-input").value.trim(),
    };
    start.disabled = true;
    for (const entry of queue.filter((item) => !item.done && !item.busy)) {
      await send(entry, fields);
    }
    update();
  });

  async function send(entry, fields) {
    entry.busy = true;
    entry.remove.disabled = true;
    try {
      const job = await uploadRecording(entry.file, fields, (fraction) => {
        entry.bar.value = fraction;
        entry.state.textContent = t("upload.sending", { percent: Math.round(fraction * 100) });
      });
      entry.done = true;
      entry.row.classList.add("done");
      entry.state.textContent = t("upload.done");
      onUploaded(job);
    } catch (error) {
      entry.row.classList.add("failed");
      entry.state.textContent = t("upload.failed", { message: error.message });
      entry.remove.disabled = false;
    } finally {
      entry.busy = false;
    }
  }
}

// Fills the project choice; the first project (the researcher's default) is chosen.
export async function loadProjects() {
  const select = byId("project-select");
  const body = await api("/api/v1/projects");
  const projects = Array.isArray(body) ? body : body.projects || [];
  const chosen = select.value;
  const keep = projects.some((project) => project.id === chosen);
  const options = projects.map((project) => el("option", { value: project.id,
    text: project.name, selected: keep ? project.id === chosen : project.default }));
  if (!options.length) options.push(el("option", { value: "", text: t("upload.default_project") }));
  select.replaceChildren(...options);
  return projects;
}
