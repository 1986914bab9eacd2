import { redactDbUrl } from "../core/redact.ts";
import type { BaseStore } from "./contract.ts";
import { PostgresStore } from "./postgres_store.ts";
import { WorkerStore, type WorkerStoreOptions } from "./worker_store.ts";

/** A store URL llmprof cannot open; the message names it (password hidden) and what to do. */
export class StoreError extends Error {
  override name = "StoreError";
}

function explain(error: unknown): string {
  const e = error as { code?: string; message?: string };
  switch (e.code) {
    case "ECONNREFUSED":
      return "nothing is listening there; start PostgreSQL or fix the host and port";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "the host name does not resolve; fix the host";
    case "CONNECT_TIMEOUT":
    case "ETIMEDOUT":
      return "the server did not answer in time; check the host, port and firewall";
    case "28P01":
    case "28000":
      return "the user name or password was rejected; fix the credentials";
    case "3D000":
      return "that database does not exist; create it first (createdb)";
    default:
      return (e.message ?? String(error)).replace(/\.$/, "");
  }
}

/**
 * Opens the store a URL names: `sqlite:<file>` or `postgres://…`. Parent directories of a
 * SQLite file are created owner-only. SQLite runs in a worker; so does Postgres when a
 * `script` is given (a host that also writes). Throws StoreError with one clear sentence.
 */
export function openStore(url: string): Promise<BaseStore>;
export function openStore(
  url: string,
  options: WorkerStoreOptions & { script: URL },
): Promise<WorkerStore>;
export async function openStore(url: string, options: WorkerStoreOptions = {}): Promise<BaseStore> {
  const shown = redactDbUrl(url);
  try {
    const postgres = url.startsWith("postgres://") || url.startsWith("postgresql://");
    if (postgres && !options.script) return await PostgresStore.open(url);
    if (postgres || url.startsWith("sqlite:")) return await WorkerStore.open(url, options);
  } catch (error) {
    throw new StoreError(`Cannot open store "${shown}": ${explain(error)}.`);
  }
  throw new StoreError(
    `Cannot open store "${shown}": use sqlite:<file> or postgres://user:password@host/database.`,
  );
}
