/**
 * The pages' live feed: one EventSource on `/_llmprof/api/events` per page, shared by its
 * islands. Listeners hear of each stored call (or of a `resync`, as null, after the page
 * missed some) and reload what they show; nothing polls.
 * @module
 */
import { LOCAL_PREFIX } from "../core/paths.ts";
import type { CallEvent } from "../pipeline/call_events.ts";

type Listener = (event: CallEvent | null) => void;

const listeners = new Set<Listener>();
let source: EventSource | null = null;

/** Calls `listener` for each call stored from now on; returns the function that stops it. */
export function onStoredCall(listener: Listener): () => void {
  listeners.add(listener);
  if (source === null && typeof EventSource !== "undefined") {
    source = new EventSource(`${LOCAL_PREFIX}/api/events`);
    source.addEventListener("ready", () => document.body.setAttribute("data-live", "ready"));
    source.addEventListener("call", (e) => {
      const event = JSON.parse((e as MessageEvent<string>).data) as CallEvent;
      for (const l of listeners) l(event);
    });
    source.addEventListener("resync", () => {
      for (const l of listeners) l(null);
    });
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && source !== null) {
      source.close();
      source = null;
    }
  };
}

/**
 * A loader that runs at most once at a time: asked again while it runs, it runs once more
 * after, so a burst of calls costs two fetches, not one per call.
 */
export function coalesced(load: () => Promise<void>): () => void {
  let running = false;
  let again = false;
  const run = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        await load().catch(() => {});
      } while (again);
    } finally {
      running = false;
    }
  };
  return run;
}
