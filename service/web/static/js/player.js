// The recording beside the transcript: fetched with the token as a blob (the service decodes the
// sealed recording in memory), played from an object URL; the word being spoken is highlighted
// and kept in view; a click on a word or a segment's time seeks there; the space bar plays and
// pauses whenever the researcher is not typing.

import { api } from "./api.js";

export class Player {
  constructor(audio, container) {
    this.audio = audio;
    this.container = container;
    this.words = [];
    this.current = null;
    this.url = null;
    this.frame = null;
    audio.addEventListener("play", () => this.follow());
    audio.addEventListener("seeked", () => this.highlight());
    audio.addEventListener("timeupdate", () => this.highlight());
    container.addEventListener("click", (event) => this.clicked(event));
    document.addEventListener("keydown", (event) => this.key(event));
  }

  // Fetches the recording; resolves true when it can play, false when it is deleted (409).
  async load(jobId) {
    try {
      const response = await api(`/api/v1/jobs/${encodeURIComponent(jobId)}/audio`, { raw: true });
      const blob = await response.blob();
      this.release();
      this.url = URL.createObjectURL(blob);
      this.audio.src = this.url;
      return true;
    } catch (error) {
      if (error.status === 409) {
        this.unload();
        return false;
      }
      throw error;
    }
  }

  // Forgets the recording (after its deletion).
  unload() {
    if (this.current) this.current.node.classList.remove("current");
    this.current = null;
    this.audio.pause();
    this.audio.removeAttribute("src");
    this.audio.load();
    this.release();
  }

  release() {
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = null;
  }

  setWords(words) {
    this.words = words;
    this.current = null;
    this.highlight();
  }

  seek(seconds) {
    if (!this.url) return;
    this.audio.currentTime = seconds;
    this.highlight();
  }

  clicked(event) {
    const target = event.target.closest("[data-start]");
    if (!target || !this.container.contains(target)) return;
    const selection = window.getSelection();
    if (selection && !selection.isCollapsed) return; // selecting words to redact, not seeking
    this.seek(Number(target.dataset.start));
    // after a mouse click, the space bar should play, not press the clicked time button again
    if (event.detail > 0) this.container.focus({ preventScroll: true });
  }

  key(event) {
    if (event.code !== "Space" && event.key !== " ") return;
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    const typing = event.target.closest(
      "input, textarea, select, button, a, summary, audio, [contenteditable], dialog");
    if (typing || !this.url) return;
    event.preventDefault();
    if (this.audio.paused) this.audio.play();
    else this.audio.pause();
  }

  follow() {
    cancelAnimationFrame(this.frame);
    const step = () => {
      this.highlight();
      if (!this.audio.paused) this.frame = requestAnimationFrame(step);
    };
    this.frame = requestAnimationFrame(step);
  }

  // The last word that started at or before the playing time.
  wordAt(time) {
    let low = 0;
    let high = this.words.length - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (this.words[middle].start <= time) {
        found = middle;
        low = middle + 1;
      } else high = middle - 1;
    }
    return found >= 0 && time < this.words[found].end + 0.5 ? this.words[found] : null;
  }

  highlight() {
    if (!this.url) return;
    // a little ahead: a seek to a word's start may land a hair before it
    const word = this.wordAt(this.audio.currentTime + 0.02);
    if (word === this.current) return;
    if (this.current) this.current.node.classList.remove("current");
    this.current = word;
    if (!word) return;
    word.node.classList.add("current");
    const box = word.node.getBoundingClientRect();
    const view = this.container.getBoundingClientRect();
    if (box.top < view.top || box.bottom > view.bottom) {
      word.node.scrollIntoView({ block: "center", behavior: "smooth" });
    }
  }
}
