import type { BaseStore } from "./contract.ts";
import { openHere } from "./open_here.ts";

/** A method of the store contract that a store worker answers. */
export type StoreMethod = Exclude<keyof BaseStore, "kind">;

/** A call on the hosted store, from WorkerStore to its worker; `method` may also be one of the worker's own. */
export interface StoreRequest {
  id: number;
  method: string;
  args: unknown[];
}

/** A store worker's answer to a request; `code` carries a driver's error code across threads. */
export interface StoreReply {
  id: number;
  result?: unknown;
  error?: string;
  code?: string;
}

/** The first request a store worker gets: open this store URL. */
export interface OpenRequest {
  open: string;
}

/** Answers one request on `store`, whose methods the contract names. */
export async function answer(store: BaseStore, request: StoreRequest): Promise<StoreReply> {
  try {
    const method = store[request.method as StoreMethod] as
      | ((...args: unknown[]) => Promise<unknown>)
      | undefined;
    if (typeof method !== "function") throw new Error(`the store has no method ${request.method}`);
    return { id: request.id, result: await method.apply(store, request.args) };
  } catch (error) {
    return failed(request.id, error);
  }
}

/** The reply that says why request `id` failed. */
export function failed(id: number, error: unknown): StoreReply {
  const code = (error as { code?: unknown }).code;
  return {
    id,
    error: (error as Error).message ?? String(error),
    ...(typeof code === "string" ? { code } : {}),
  };
}

/** Opens the store an open request names on this thread and answers it: the store, or null when it failed to open. */
export async function answerOpen(
  request: OpenRequest,
  reply: (answer: StoreReply) => void,
): Promise<BaseStore | null> {
  try {
    const store = await openHere(request.open);
    reply({ id: 0, result: store.kind });
    return store;
  } catch (error) {
    reply(failed(0, error));
    return null;
  }
}
