import type { PoolStats } from "../analysis/pool.ts";
import type { QueueStats } from "../proxy/queue.ts";

/** What the local pages and API read from the running llmprof. */
export interface AppContext {
  version: string;
  /** The capture queue's counters. */
  queue(): QueueStats;
  /** The analysis pool's counters. */
  analysis(): PoolStats;
  /** The store's kind and whether it answers. */
  store(): Promise<{ kind: string; ok: boolean; backlog?: number }>;
}
