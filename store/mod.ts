/**
 * Storage: the BaseStore contract, the SQLite and Postgres stores, and the batching writer.
 * @module
 */
export type * from "./contract.ts";
export { openStore, StoreError } from "./open_store.ts";
export { PostgresStore } from "./postgres_store.ts";
export { SqliteStore } from "./sqlite_store.ts";
export { WorkerStore, type WorkerStoreOptions } from "./worker_store.ts";
export { StoreWriter, type WriterOptions, type WriterStats } from "./writer.ts";
