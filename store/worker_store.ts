import type { BaseStore } from "./base_store.ts";
import type { StoreRequest } from "./sqlite_worker.ts";

type Reply = { id: number; result?: unknown; error?: string };

/** The methods of the contract, forwarded to the worker. */
const METHODS = [
  "writeBatch",
  "getCall",
  "listCalls",
  "listSessions",
  "getSession",
  "dailySummary",
  "byModel",
  "routes",
  "chainCandidates",
  "callByResponseId",
  "sessionTurns",
  "childCount",
  "spend",
  "reset",
  "lastReset",
  "health",
] as const;

/**
 * The SQLite store, running in its own worker so no write or query ever blocks the
 * proxy's event loop. Same contract, same data: calls are forwarded as messages.
 */
export class WorkerStore {
  readonly kind = "sqlite" as const;
  readonly #worker: Worker;
  readonly #pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  #next = 1;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.onmessage = (event: MessageEvent<Reply>) => {
      const waiting = this.#pending.get(event.data.id);
      if (!waiting) return;
      this.#pending.delete(event.data.id);
      if (event.data.error !== undefined) waiting.reject(new Error(event.data.error));
      else waiting.resolve(event.data.result);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      for (const waiting of this.#pending.values()) {
        waiting.reject(new Error(`the store worker failed: ${event.message}`));
      }
      this.#pending.clear();
    };
  }

  /** Starts the worker and opens `path` in it; rejects with the reason when it cannot. */
  static open(path: string): Promise<BaseStore> {
    const store = new WorkerStore(
      new Worker(new URL("./sqlite_worker.ts", import.meta.url), { type: "module" }),
    );
    return new Promise((resolve, reject) => {
      store.#pending.set(0, {
        resolve: () => resolve(store as unknown as BaseStore),
        reject: (error) => {
          store.#worker.terminate();
          reject(error);
        },
      });
      store.#worker.postMessage({ open: path });
    });
  }

  #call(method: string, args: unknown[]): Promise<unknown> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      const request: StoreRequest = { id, method, args };
      this.#worker.postMessage(request);
    });
  }

  /** Closes the database and stops the worker. */
  async close(): Promise<void> {
    await this.#call("close", []).catch(() => {});
    this.#worker.terminate();
  }

  static {
    for (const method of METHODS) {
      (WorkerStore.prototype as unknown as Record<string, unknown>)[method] = function (
        this: WorkerStore,
        ...args: unknown[]
      ) {
        return this.#call(method, args);
      };
    }
  }
}
