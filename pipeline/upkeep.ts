import type { SplitText } from "../core/blocks.ts";
import type { BaseStore, PruneResult } from "../store/contract.ts";
import { formatBytes } from "../core/bytes.ts";

/** Options for {@linkcode splitStoredRequests}. */
export interface SplitOptions {
  /** Calls converted per transaction. Default 200. */
  batch?: number;
  log?: (line: string) => void;
  /** Stops between batches when aborted (at shutdown); the rest is converted at the next start. */
  signal?: AbortSignal;
}

/**
 * Converts calls stored before blocks (their whole request text in one column) to blocks,
 * a batch per transaction, yielding between batches so start-up and the proxy go on.
 * Prints progress; returns how many calls it converted.
 */
export async function splitStoredRequests(
  store: BaseStore,
  options: SplitOptions = {},
): Promise<number> {
  const log = options.log ?? ((line: string) => console.error(line));
  const batch = options.batch ?? 200;
  let split: ((api: string, text: string) => SplitText) | null = null;
  let done = 0;
  let after = "";
  while (!options.signal?.aborted) {
    const calls = await store.unsplitRequests(batch, after);
    if (calls.length === 0) break;
    after = calls[calls.length - 1].id;
    if (done === 0) log(`llmprof: storing the prompts of earlier calls once, as blocks…`);
    split ??= await loadSplitter();
    const splitNow = split;
    await store.splitRequests(
      calls.map((c) => ({ id: c.id, blocks: splitNow(c.api, c.request) })),
    );
    done += calls.length;
    log(`llmprof: ${done.toLocaleString("en")} earlier calls stored as blocks`);
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  if (done > 0 && !options.signal?.aborted) {
    log(`llmprof: all ${done.toLocaleString("en")} earlier calls are stored as blocks.`);
  }
  return done;
}

/**
 * The request splitter, loaded with its tokenizer (about 90 MiB of tables) only when a stored
 * call needs it: the main thread of a store with nothing to convert never holds them.
 */
async function loadSplitter(): Promise<(api: string, text: string) => SplitText> {
  const [{ splitRequest }, { TokenCounter }] = await Promise.all([
    import("../analysis/request_blocks.ts"),
    import("../analysis/tokenizer.ts"),
  ]);
  const counter = new TokenCounter("o200k_base");
  return (api, text) => splitRequest(api, text, { counter });
}

/** Milliseconds in a day. */
const DAY_MS = 86_400_000;

/** Deletes calls older than `days` days and the blocks no call needs any more. */
export function pruneOlderThan(
  store: BaseStore,
  days: number,
  options: { dryRun?: boolean; now?: number } = {},
): Promise<PruneResult> {
  const before = new Date((options.now ?? Date.now()) - days * DAY_MS).toISOString();
  return store.prune({ before, dryRun: options.dryRun });
}

/** A running retention job. */
export interface Retention {
  stop(): void;
}

/**
 * Keeps the store to the last `days` days: prunes at start and then every hour, in the
 * background; a failure is logged and tried again next time.
 */
export function startRetention(
  store: BaseStore,
  days: number,
  options: { log?: (line: string) => void; everyMs?: number } = {},
): Retention {
  const log = options.log ?? ((line: string) => console.error(line));
  let running = false;
  const run = async () => {
    if (running) return;
    running = true;
    try {
      const freed = await pruneOlderThan(store, days);
      if (freed.calls > 0) {
        log(
          `llmprof: retention deleted ${
            freed.calls.toLocaleString("en")
          } calls older than ${days} days (${formatBytes(freed.bytes)}).`,
        );
      }
    } catch (error) {
      log(`llmprof: retention could not prune the store: ${(error as Error).message}`);
    } finally {
      running = false;
    }
  };
  const first = setTimeout(run, 0);
  const timer = setInterval(run, options.everyMs ?? 3_600_000);
  return {
    stop() {
      clearTimeout(first);
      clearInterval(timer);
    },
  };
}
