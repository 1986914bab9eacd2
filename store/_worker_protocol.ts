import type { BaseStore } from "./contract.ts";

/** A method of the store contract that the SQLite worker answers. */
export type StoreMethod = Exclude<keyof BaseStore, "kind">;

/** A call on the hosted store, from WorkerStore to the SQLite worker. */
export interface StoreRequest {
  id: number;
  method: StoreMethod;
  args: unknown[];
}
