/// <reference lib="deno.worker" />
// The store's thread while llmprof serves: it answers the dashboard's queries and owns the
// end of every call's way. Analysis workers post their analyses here directly, on ports;
// the recorder places them in runs, compares them and writes them, and tells the main
// thread only what it needs (counts, the live feed, log lines).
import type { BaseStore } from "../store/contract.ts";
import {
  answer,
  answerOpen,
  failed,
  type OpenRequest,
  type StoreRequest,
} from "../store/_worker_protocol.ts";
import { lowerThreadPriority } from "../core/background.ts";
import type { Analysis } from "../analysis/analysis.ts";
import { Recorder } from "./recorder.ts";
import type { RecorderStart, StoreThreadMessage } from "./_store_thread.ts";

// Writes and queries run behind the proxy; WAL keeps readers off the writer's path.
lowerThreadPriority();

let store: BaseStore | null = null;
let recorder: Recorder | null = null;

/** The host's own requests, beside the store's methods. */
const own: Record<string, (...args: never[]) => Promise<unknown>> = {
  async startRecorder(options: RecorderStart) {
    if (store === null) throw new Error("the store is not open yet");
    recorder = new Recorder(store, {
      ...options,
      report: (report) => self.postMessage({ report }),
    });
    await recorder.watchResets();
  },
  async flushWriter() {
    await recorder?.writer.flush();
  },
  async closeRecorder(graceMs: number) {
    return await recorder?.close(graceMs) ?? 0;
  },
};

function take(analyses: Analysis[]): void {
  if (recorder === null) throw new Error("analyses came before the recorder started");
  recorder.take(analyses);
}

self.onmessage = async (event: MessageEvent<OpenRequest | StoreRequest | StoreThreadMessage>) => {
  const data = event.data;
  if ("open" in data) {
    store = await answerOpen(data, (reply) => self.postMessage(reply));
    return;
  }
  if ("analysisPort" in data) {
    data.analysisPort.onmessage = (message: MessageEvent<Analysis[]>) => take(message.data);
    return;
  }
  if ("held" in data) return recorder?.hold(data.held);
  if ("failed" in data) return take(data.failed);
  if (store === null) {
    return self.postMessage(failed(data.id, new Error("the store is not open yet")));
  }
  const handler = own[data.method];
  if (handler === undefined) return self.postMessage(await answer(store, data));
  try {
    self.postMessage({ id: data.id, result: await handler(...data.args as never[]) });
  } catch (error) {
    self.postMessage(failed(data.id, error));
  }
};
