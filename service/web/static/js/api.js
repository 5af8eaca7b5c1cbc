// Every call to the API: the bearer token from sessionStorage, the page's language, errors in
// the API's {code, message} form. The token lives only as long as the browser tab.

import { getLang, t } from "./i18n.js";

const TOKEN_KEY = "intervju.token";

export const token = {
  get() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set(value) {
    sessionStorage.setItem(TOKEN_KEY, value);
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
  },
};

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function headers(extra = {}) {
  return {
    Authorization: `Bearer ${token.get() || ""}`,
    "Accept-Language": getLang(),
    ...extra,
  };
}

async function errorOf(response) {
  let code = "http";
  let message = t("error.http", { status: response.status });
  try {
    const body = await response.json();
    if (body && typeof body.message === "string") {
      code = body.code || code;
      message = body.message;
    }
  } catch {
    // not JSON: keep the generic message
  }
  if (response.status === 401) {
    window.dispatchEvent(new CustomEvent("intervju:unauthorized"));
    message = t("signin.rejected");
  }
  return new ApiError(response.status, code, message);
}

// JSON in, JSON out; ``raw`` returns the Response (for blobs and streams).
export async function api(path, { method = "GET", body, extraHeaders, raw = false, signal } = {}) {
  const init = { method, headers: headers(extraHeaders), cache: "no-store", signal };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, "network", t("error.network"));
  }
  if (!response.ok) throw await errorOf(response);
  if (raw) return response;
  return response.status === 204 ? null : response.json();
}

// A file name from Content-Disposition, else ``fallback``.
export function filenameOf(response, fallback) {
  const header = response.headers.get("Content-Disposition") || "";
  const match = /filename="([^"]+)"/.exec(header);
  return match ? match[1] : fallback;
}

export async function fetchBlob(path) {
  const response = await api(path, { raw: true });
  return { blob: await response.blob(), filename: filenameOf(response, "intervju") };
}

// Uploads one recording with XMLHttpRequest (fetch reports no upload progress).
// ``onProgress(fraction)`` is called as the bytes go out; resolves with the job.
export function uploadRecording(file, fields, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    form.append("file", file, file.name);
    for (const [name, value] of Object.entries(fields)) {
      if (value !== "" && value !== null && value !== undefined) form.append(name, value);
    }
    const request = new XMLHttpRequest();
    request.open("POST", "/api/v1/jobs");
    for (const [name, value] of Object.entries(headers())) request.setRequestHeader(name, value);
    request.responseType = "json";
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    request.addEventListener("load", () => {
      const body = request.response;
      if (request.status === 202) {
        onProgress(1);
        resolve(body);
        return;
      }
      if (request.status === 401) window.dispatchEvent(new CustomEvent("intervju:unauthorized"));
      const message = body && typeof body.message === "string"
        ? body.message
        : t("error.http", { status: request.status });
      reject(new ApiError(request.status, (body && body.code) || "http", message));
    });
    request.addEventListener("error", () => reject(new ApiError(0, "network", t("error.network"))));
    request.send(form);
  });
}
