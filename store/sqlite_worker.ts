/// <reference lib="deno.worker" />
// Hosts a store off the main thread: node:sqlite is synchronous, and the proxy's event
// loop must never wait for a write or a query.
import type { BaseStore } from "./contract.ts";
import {
  answer,
  answerOpen,
  failed,
  type OpenRequest,
  type StoreRequest,
} from "./_worker_protocol.ts";
import { lowerThreadPriority } from "../core/background.ts";

// Writes and dashboard queries run behind the proxy; WAL keeps readers off the writer's path.
lowerThreadPriority();

let store: BaseStore | null = null;

self.onmessage = async (event: MessageEvent<OpenRequest | StoreRequest>) => {
  const data = event.data;
  if ("open" in data) {
    store = await answerOpen(data, (reply) => self.postMessage(reply));
    return;
  }
  self.postMessage(
    store === null
      ? failed(data.id, new Error("the store is not open yet"))
      : await answer(store, data),
  );
};
