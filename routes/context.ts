import type { PoolStats } from "../pipeline/pool.ts";
import type { QueueStats } from "../pipeline/queue.ts";
import type { CallEvents } from "../pipeline/call_events.ts";
import type { BaseStore } from "../store/contract.ts";
import type { WriterStats } from "../store/writer.ts";
import type { OtlpStats } from "../export/otlp.ts";

/** What the local pages and API read from the running llmprof. */
export interface AppContext {
  version: string;
  store: BaseStore;
  /** The capture queue's counters. */
  queue(): QueueStats;
  /** The analysis pool's counters. */
  analysis(): PoolStats;
  /** The store writer's backlog and counters. */
  writer(): WriterStats;
  /** The OpenTelemetry exporter's counters, when a collector is configured. */
  otlp?: () => OtlpStats;
  /** The live feed of stored calls that `GET /_llmprof/api/events` streams. */
  events?: CallEvents;
}
