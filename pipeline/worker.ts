/// <reference lib="deno.worker" />
// An analysis worker: told the price overrides first, then receives batches of captured
// calls and answers with their analyses, in order.
import type { CapturedCall } from "../core/call.ts";
import type { Overrides } from "../pricing/mod.ts";
import { analyzeCall, newCounters } from "../analysis/analyze.ts";
import { decodedCall } from "../analysis/decoded_call.ts";
import { lowerThreadPriority } from "../core/background.ts";
import { protect, type SecretRedactor } from "../analysis/privacy.ts";
import { splitForStore } from "../analysis/request_blocks.ts";
import type { Privacy } from "../core/record.ts";

// Analysis never competes with the proxy for the CPU: it takes what is left over.
lowerThreadPriority();

/** The first message a worker gets: what every analysis needs. */
export interface WorkerInit {
  overrides: Overrides;
  /** What is stored of each call's text. */
  privacy: Privacy;
  /**
   * Where analyses go: the store's thread, which records them; the main thread then hears
   * only how many a batch had. Null: back to the main thread.
   */
  port: MessagePort | null;
}

const counters = newCounters();
let overrides: Overrides = {};
let privacy: Privacy = "full";
let port: MessagePort | null = null;
let initialised = false;
/** The secret rules load only under `redact`: the other levels never need them. */
let secrets: Promise<SecretRedactor> | null = null;
const redactSecrets: SecretRedactor = async (texts) => {
  secrets ??= import("../analysis/secrets.ts").then((m) => m.redactSecrets);
  return await (await secrets)(texts);
};
/** Batches are answered in the order they came, though redaction awaits. */
let previous: Promise<void> = Promise.resolve();

self.onmessage = (event: MessageEvent<CapturedCall[] | WorkerInit>) => {
  if (!initialised) {
    overrides = (event.data as WorkerInit).overrides;
    privacy = (event.data as WorkerInit).privacy ?? "full";
    port = (event.data as WorkerInit).port ?? null;
    initialised = true;
    if (privacy === "redact") redactSecrets([]).catch(() => {}); // load the rules now
    self.postMessage("ready");
    return;
  }
  // Calls come in batches when they queue up: one message each way for many calls.
  const calls = event.data as CapturedCall[];
  // The privacy level applies here, before the analyses leave the worker to be written.
  // A scan that fails keeps no text at all rather than text it could not check.
  // Blocks are split from the text as the level leaves it, so no block holds what it removed.
  const analyses = Promise.all(calls.map(async (captured) => {
    const call = await decodedCall(captured);
    const analysis = analyzeCall(call, { counters, overrides, split: false });
    const stored = await protect(analysis, privacy, { redactSecrets }).catch(() =>
      protect(analysis, "metadata", { redactSecrets })
    );
    return splitForStore(stored);
  }));
  previous = previous.then(async () => {
    // Cloned, not packed into transferred buffers: packing an outline costs more than cloning it.
    const message = await analyses;
    if (port === null) return self.postMessage(message);
    port.postMessage(message);
    self.postMessage(message.length);
  });
};
