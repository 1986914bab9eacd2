/// <reference lib="deno.worker" />
// An analysis worker: receives captured calls, answers with their analysis.
import type { CapturedCall } from "../proxy/mod.ts";
import { analyzeCall, newCounters } from "./analyze.ts";

const counters = newCounters();

self.onmessage = (event: MessageEvent<CapturedCall>) => {
  self.postMessage(analyzeCall(event.data, counters));
};

/** Tells the pool that the worker has loaded and its time budget may start. */
self.postMessage("ready");
