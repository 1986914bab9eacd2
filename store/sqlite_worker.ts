/// <reference lib="deno.worker" />
// Hosts a SqliteStore off the main thread: node:sqlite is synchronous, and the proxy's
// event loop must never wait for a write or a query.
import { SqliteStore } from "./sqlite_store.ts";
import type { StoreRequest } from "./_worker_protocol.ts";
import { lowerThreadPriority } from "../core/background.ts";

// Writes and dashboard queries run behind the proxy; WAL keeps readers off the writer's path.
lowerThreadPriority();

let store: SqliteStore | null = null;

self.onmessage = async (event: MessageEvent<{ open: string } | StoreRequest>) => {
  const data = event.data;
  if ("open" in data) {
    try {
      store = await SqliteStore.open(data.open);
      self.postMessage({ id: 0, result: "ready" });
    } catch (error) {
      self.postMessage({ id: 0, error: (error as Error).message });
    }
    return;
  }
  try {
    if (store === null) throw new Error("the store is not open yet");
    const method = store[data.method] as (...args: unknown[]) => Promise<unknown>;
    const result = await method.apply(store, data.args);
    self.postMessage({ id: data.id, result });
  } catch (error) {
    self.postMessage({ id: data.id, error: (error as Error).message });
  }
};
