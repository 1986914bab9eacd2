import type { BaseStore } from "./contract.ts";
import type { OpenRequest, StoreMethod, StoreReply, StoreRequest } from "./_worker_protocol.ts";

/** Options for {@linkcode WorkerStore.open}. */
export interface WorkerStoreOptions {
  /** The worker script that hosts the store. Default store/sqlite_worker.ts. */
  script?: URL;
  /** Receives what the worker posts besides replies (a host that does more than store). */
  onMessage?: (data: unknown) => void;
}

/** An error from the store worker, with the driver's code when it had one. */
function storeError(reply: StoreReply): Error {
  return Object.assign(new Error(reply.error), reply.code ? { code: reply.code } : {});
}

/**
 * A store running in its own worker, so no write or query ever blocks the proxy's event
 * loop. Same contract, same data: calls are forwarded as messages.
 */
export class WorkerStore implements BaseStore {
  kind: BaseStore["kind"] = "sqlite";
  readonly #worker: Worker;
  readonly #pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  #next = 1;

  private constructor(worker: Worker, onMessage?: (data: unknown) => void) {
    this.#worker = worker;
    worker.onmessage = (event: MessageEvent<StoreReply>) => {
      const reply = event.data;
      if (typeof reply?.id !== "number") return onMessage?.(reply);
      const waiting = this.#pending.get(reply.id);
      if (!waiting) return;
      this.#pending.delete(reply.id);
      if (reply.error !== undefined) waiting.reject(storeError(reply));
      else waiting.resolve(reply.result);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      for (const waiting of this.#pending.values()) {
        waiting.reject(new Error(`the store worker failed: ${event.message}`));
      }
      this.#pending.clear();
    };
  }

  /** Starts the worker and opens the store `url` names in it; rejects with the reason when it cannot. */
  static open(url: string, options: WorkerStoreOptions = {}): Promise<WorkerStore> {
    const script = options.script ?? new URL("./sqlite_worker.ts", import.meta.url);
    const store = new WorkerStore(new Worker(script, { type: "module" }), options.onMessage);
    return new Promise((resolve, reject) => {
      store.#pending.set(0, {
        resolve: (kind) => {
          store.kind = kind as BaseStore["kind"];
          resolve(store);
        },
        reject: (error) => {
          store.#worker.terminate();
          reject(error);
        },
      });
      const open: OpenRequest = { open: url };
      store.#worker.postMessage(open);
    });
  }

  /** Calls a method in the worker: one of the store's, or one of the host's own. */
  request(method: string, ...args: unknown[]): Promise<unknown> {
    const id = this.#next++;
    return new Promise<unknown>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      const request: StoreRequest = { id, method, args };
      this.#worker.postMessage(request);
    });
  }

  /** Posts a message of the host's own to the worker, transferring `transfer`. */
  post(message: unknown, transfer: Transferable[] = []): void {
    this.#worker.postMessage(message, transfer);
  }

  #call<M extends StoreMethod>(
    method: M,
    ...args: Parameters<BaseStore[M]>
  ): ReturnType<BaseStore[M]> {
    return this.request(method, ...args) as ReturnType<BaseStore[M]>;
  }

  writeBatch(...args: Parameters<BaseStore["writeBatch"]>) {
    return this.#call("writeBatch", ...args);
  }
  getCall(...args: Parameters<BaseStore["getCall"]>) {
    return this.#call("getCall", ...args);
  }
  listCalls(...args: Parameters<BaseStore["listCalls"]>) {
    return this.#call("listCalls", ...args);
  }
  listRuns(...args: Parameters<BaseStore["listRuns"]>) {
    return this.#call("listRuns", ...args);
  }
  getRun(...args: Parameters<BaseStore["getRun"]>) {
    return this.#call("getRun", ...args);
  }
  runGrowth(...args: Parameters<BaseStore["runGrowth"]>) {
    return this.#call("runGrowth", ...args);
  }
  componentShares(...args: Parameters<BaseStore["componentShares"]>) {
    return this.#call("componentShares", ...args);
  }
  findingCalls(...args: Parameters<BaseStore["findingCalls"]>) {
    return this.#call("findingCalls", ...args);
  }
  dailySummary(...args: Parameters<BaseStore["dailySummary"]>) {
    return this.#call("dailySummary", ...args);
  }
  byModel(...args: Parameters<BaseStore["byModel"]>) {
    return this.#call("byModel", ...args);
  }
  routes(...args: Parameters<BaseStore["routes"]>) {
    return this.#call("routes", ...args);
  }
  chainCandidates(...args: Parameters<BaseStore["chainCandidates"]>) {
    return this.#call("chainCandidates", ...args);
  }
  callByResponseId(...args: Parameters<BaseStore["callByResponseId"]>) {
    return this.#call("callByResponseId", ...args);
  }
  runTurns(...args: Parameters<BaseStore["runTurns"]>) {
    return this.#call("runTurns", ...args);
  }
  runLinks(...args: Parameters<BaseStore["runLinks"]>) {
    return this.#call("runLinks", ...args);
  }
  addSpawns(...args: Parameters<BaseStore["addSpawns"]>) {
    return this.#call("addSpawns", ...args);
  }
  openSpawns(...args: Parameters<BaseStore["openSpawns"]>) {
    return this.#call("openSpawns", ...args);
  }
  claimSpawn(...args: Parameters<BaseStore["claimSpawn"]>) {
    return this.#call("claimSpawn", ...args);
  }
  childCount(...args: Parameters<BaseStore["childCount"]>) {
    return this.#call("childCount", ...args);
  }
  spend(...args: Parameters<BaseStore["spend"]>) {
    return this.#call("spend", ...args);
  }
  recordInstance(...args: Parameters<BaseStore["recordInstance"]>) {
    return this.#call("recordInstance", ...args);
  }
  latestInstance() {
    return this.#call("latestInstance");
  }
  lastReset() {
    return this.#call("lastReset");
  }
  callBlocks(...args: Parameters<BaseStore["callBlocks"]>) {
    return this.#call("callBlocks", ...args);
  }
  unsplitRequests(...args: Parameters<BaseStore["unsplitRequests"]>) {
    return this.#call("unsplitRequests", ...args);
  }
  splitRequests(...args: Parameters<BaseStore["splitRequests"]>) {
    return this.#call("splitRequests", ...args);
  }
  prune(...args: Parameters<BaseStore["prune"]>) {
    return this.#call("prune", ...args);
  }
  stats() {
    return this.#call("stats");
  }
  reset() {
    return this.#call("reset");
  }
  health() {
    return this.#call("health");
  }

  /** Closes the database and stops the worker. */
  async close(): Promise<void> {
    await this.#call("close").catch(() => {});
    this.#worker.terminate();
  }
}
