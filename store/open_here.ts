import type { BaseStore } from "./contract.ts";
import { SqliteStore } from "./sqlite_store.ts";

/**
 * Opens the store a URL names on this thread: `sqlite:<file>` (its parent directories
 * created owner-only) or `postgres://…`. Store workers open their store with it.
 */
export async function openHere(url: string): Promise<BaseStore> {
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
    // Loaded only for Postgres: a SQLite store never needs the driver.
    const { PostgresStore } = await import("./postgres_store.ts");
    return await PostgresStore.open(url);
  }
  if (!url.startsWith("sqlite:")) {
    throw new Error("use sqlite:<file> or postgres://user:password@host/database");
  }
  const path = url.slice("sqlite:".length);
  if (path !== ":memory:") {
    const dir = path.slice(0, Math.max(0, path.lastIndexOf("/")));
    if (dir) await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  }
  return await SqliteStore.open(path);
}
