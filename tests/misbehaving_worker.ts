/// <reference lib="deno.worker" />
// An analysis worker for tests: crashes on paths containing "crash", hangs on "hang",
// analyses everything else like the real one.
import type { CapturedCall } from "../core/call.ts";
import { analyzeCall } from "../analysis/mod.ts";
import type { WorkerInit } from "../pipeline/worker.ts";

let initialised = false;
let port: MessagePort | null = null;

self.onmessage = (event: MessageEvent<CapturedCall[]>) => {
  if (!initialised) {
    initialised = true;
    port = (event.data as unknown as WorkerInit).port ?? null;
    self.postMessage("ready");
    return;
  }
  const calls = event.data;
  if (calls.some((call) => call.path.includes("crash"))) throw new Error("boom in the worker");
  if (calls.some((call) => call.path.includes("hang"))) { for (;;) { /* never answers */ } }
  const message = calls.map((call) => analyzeCall(call));
  if (port === null) return self.postMessage(message);
  port.postMessage(message);
  self.postMessage(message.length);
};
