/// <reference lib="deno.worker" />
// An analysis worker: told the price overrides first, then receives batches of captured
// calls and answers with their analyses, in order.
import type { CapturedCall } from "../core/call.ts";
import type { Overrides } from "../pricing/mod.ts";
import { analyzeCall, newCounters } from "../analysis/analyze.ts";
import { lowerThreadPriority } from "../core/background.ts";

// Analysis never competes with the proxy for the CPU: it takes what is left over.
lowerThreadPriority();

/** The first message a worker gets: what every analysis needs. */
export interface WorkerInit {
  overrides: Overrides;
}

const counters = newCounters();
let overrides: Overrides = {};
let initialised = false;

self.onmessage = (event: MessageEvent<CapturedCall[] | WorkerInit>) => {
  if (!initialised) {
    overrides = (event.data as WorkerInit).overrides;
    initialised = true;
    self.postMessage("ready");
    return;
  }
  // Calls come in batches when they queue up: one message each way for many calls.
  const calls = event.data as CapturedCall[];
  self.postMessage(calls.map((call) => analyzeCall(call, { counters, overrides })));
};
