// What every page shares: the language switch, the sign-out button, and what happens when the
// API refuses the token (back to the sign-in form, with a message saying why).

import { token } from "./api.js";
import { announce, byId } from "./dom.js";
import { applyLanguage, setupLanguageSwitch, t } from "./i18n.js";

const EXPIRED_KEY = "intervju.signin-message";

export function setupChrome() {
  applyLanguage();
  setupLanguageSwitch(byId("lang-switch"));
  const signOut = byId("sign-out");
  signOut.hidden = !token.get();
  signOut.addEventListener("click", () => {
    token.clear();
    window.location.assign("/web/");
  });
  window.addEventListener("intervju:unauthorized", () => {
    token.clear();
    if (window.location.pathname === "/web/") return; // the start page shows its form
    sessionStorage.setItem(EXPIRED_KEY, "signin.expired");
    window.location.assign("/web/");
  });
}

// A message left by another page (why the researcher is back at the sign-in form), once.
export function takeSignInMessage() {
  const key = sessionStorage.getItem(EXPIRED_KEY);
  sessionStorage.removeItem(EXPIRED_KEY);
  return key ? t(key) : "";
}

// Reports a failed action in the status line (never with transcript text: API messages only).
export function reportError(error) {
  announce(error && error.message ? error.message : t("error.network"), "error");
}
