// Live job progress: server-sent events from GET /api/v1/events, read with fetch() and a stream
// reader (EventSource cannot send the Authorization header), reconnecting with backoff and
// resuming with Last-Event-ID. Where the service has no event stream (404), or while the stream
// is down, the job list is polled instead.

import { api } from "./api.js";

const EVENTS = "/api/v1/events";
const ACTIVE_POLL_MS = 1500;
const IDLE_POLL_MS = 10_000;
const FIRST_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 30_000;

// Splits a text/event-stream into events: {event, id, data}.
export function parseEvents(buffer) {
  const events = [];
  const blocks = buffer.split(/\r\n\r\n|\n\n|\r\r/);
  const rest = blocks.pop();
  for (const block of blocks) {
    const event = { event: "message", id: null, data: [] };
    for (const line of block.split(/\r\n|\n|\r/)) {
      if (!line || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") event.event = value;
      else if (field === "id") event.id = value;
      else if (field === "data") event.data.push(value);
    }
    if (event.data.length) events.push({ ...event, data: event.data.join("\n") });
  }
  return { events, rest };
}

// Follows every visible job. ``onJobs(list)`` gets full lists (at the start, when polling, after
// a reconnect); ``onEvent(job)`` the changes the stream reports; ``onMode("live"|"polling")``.
// ``isActive()`` says whether any job is still running (polling is faster then).
export function watchJobs({ onJobs, onEvent, onMode, isActive }) {
  let stopped = false;
  let lastEventId = null;
  let backoff = FIRST_BACKOFF_MS;
  let pollTimer = null;
  let controller = null;

  async function refresh() {
    try {
      onJobs((await api("/api/v1/jobs")).jobs);
    } catch {
      // the list stays as it was; the next poll tries again
    }
  }

  function poll() {
    if (stopped || pollTimer !== null) return;
    const tick = async () => {
      await refresh();
      if (!stopped && pollTimer !== null) {
        pollTimer = setTimeout(tick, isActive() ? ACTIVE_POLL_MS : IDLE_POLL_MS);
      }
    };
    pollTimer = setTimeout(tick, 0);
    onMode("polling");
  }

  function stopPolling() {
    clearTimeout(pollTimer);
    pollTimer = null;
  }

  function reconnectLater() {
    poll();
    setTimeout(connect, backoff);
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  }

  async function connect() {
    if (stopped) return;
    controller = new AbortController();
    const extraHeaders = { Accept: "text/event-stream" };
    if (lastEventId !== null) extraHeaders["Last-Event-ID"] = lastEventId;
    let response;
    try {
      response = await api(EVENTS, { raw: true, extraHeaders, signal: controller.signal });
    } catch (error) {
      if (stopped || error.name === "AbortError") return;
      if (error.status === 404 || error.status === 405) poll(); // no event stream here
      else if (error.status !== 401) reconnectLater();
      return;
    }
    stopPolling();
    onMode("live");
    backoff = FIRST_BACKOFF_MS;
    await refresh();
    await read(response);
    if (!stopped) reconnectLater();
  }

  async function read(response) {
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        const parsed = parseEvents(buffer + value);
        buffer = parsed.rest;
        for (const event of parsed.events) {
          if (event.id !== null) lastEventId = event.id;
          if (event.event === "job") deliver(event.data);
        }
      }
    } catch {
      // connection lost: reconnect
    }
  }

  function deliver(data) {
    try {
      onEvent(JSON.parse(data));
    } catch {
      // a malformed event is skipped
    }
  }

  connect();
  return () => {
    stopped = true;
    stopPolling();
    if (controller) controller.abort();
  };
}
