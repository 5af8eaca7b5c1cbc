// Verifying a reviewed transcript: a dialog that says plainly what happens (the recording is
// deleted for good, as the informant's consent form promises), then the deletion receipt.

import { api, fetchBlob } from "./api.js";
import { byId, el, formatTime, saveBlob } from "./dom.js";
import { getLang, t } from "./i18n.js";

// The verify texts: the recording deleted now, or (a project that keeps its recordings) on the
// project's end date.
export function labelVerify(keepsAudio) {
  const key = (name) => (keepsAudio ? `verify.${name}_keep` : `verify.${name}`);
  byId("verify-help").textContent = t(key("help"));
  byId("verify-button").textContent = t(key("button"));
  byId("verify-dialog-title").textContent = t(key("dialog_title"));
  byId("verify-confirm").textContent = t(key("confirm"));
  byId("verify-consent").hidden = keepsAudio;
}

// ``context()`` gives {jobId, version, keepsAudio}; ``done(job)`` is called once verified.
export function setupVerify(context, done, fail) {
  const dialog = byId("verify-dialog");
  const check = byId("verify-check");
  const confirm = byId("verify-confirm");
  check.addEventListener("change", () => {
    confirm.disabled = !check.checked;
  });
  byId("verify-button").addEventListener("click", () => {
    const { version, keepsAudio } = context();
    byId("verify-text").textContent = t(keepsAudio ? "verify.dialog_text_keep"
      : "verify.dialog_text", { version });
    labelVerify(keepsAudio);
    check.checked = false;
    confirm.disabled = true;
    dialog.showModal();
    byId("verify-cancel").focus();
  });
  byId("verify-cancel").addEventListener("click", () => dialog.close());
  byId("verify-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!check.checked) return;
    const { jobId, version } = context();
    confirm.disabled = true;
    try {
      const job = await api(`/api/v1/jobs/${encodeURIComponent(jobId)}/verify`, {
        method: "POST",
        body: { version },
      });
      dialog.close();
      done(job);
    } catch (error) {
      dialog.close();
      fail(error);
    }
  });
}

function row(label, value, className) {
  if (value === null || value === undefined || value === "") return [];
  return [el("dt", { text: label }), el("dd", { class: className || null, text: String(value) })];
}

// Shows the job's deletion receipt, with a download button for the JSON.
export async function showReceipt(job) {
  if (!job.links || !job.links.receipt) return false;
  const receipt = await api(job.links.receipt);
  const data = receipt.data || {};
  const lang = getLang();
  byId("receipt").replaceChildren(
    ...row(t("receipt.kind"), t(`receipt.${receipt.receipt}`)),
    ...row(t("receipt.reason"), data.reason ? t(`reason.${data.reason}`) : ""),
    ...row(t("receipt.verified_at"), formatTime(data.verified_at, lang)),
    ...row(t("receipt.deleted_at"), formatTime(data.deleted_at || receipt.at, lang)),
    ...row(t("receipt.audio_sha256"), data.audio_sha256, "hash"),
    ...row(t("receipt.seq"), receipt.seq),
    ...row(t("receipt.hash"), receipt.hash, "hash"),
  );
  const download = byId("receipt-download");
  download.onclick = async () => {
    const { blob, filename } = await fetchBlob(job.links.receipt);
    saveBlob(blob, filename);
  };
  byId("receipt-card").hidden = false;
  return true;
}
