/// <reference lib="deno.worker" />
// An analysis worker: told the price overrides first, then receives captured calls and
// answers with their analysis.
import type { CapturedCall } from "../proxy/mod.ts";
import type { Overrides } from "../pricing/mod.ts";
import { analyzeCall, newCounters } from "./analyze.ts";
import { lowerThreadPriority } from "../background.ts";

// Analysis never competes with the proxy for the CPU: it takes what is left over.
lowerThreadPriority();

/** The first message a worker gets: what every analysis needs. */
export interface WorkerInit {
  overrides: Overrides;
}

const counters = newCounters();
let overrides: Overrides = {};
let initialised = false;

self.onmessage = (event: MessageEvent<CapturedCall | WorkerInit>) => {
  if (!initialised) {
    overrides = (event.data as WorkerInit).overrides;
    initialised = true;
    self.postMessage("ready");
    return;
  }
  self.postMessage(analyzeCall(event.data as CapturedCall, { counters, overrides }));
};
