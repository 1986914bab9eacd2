import type { Privacy } from "../core/record.ts";
import { baseRecord, joinErrors } from "../core/base_record.ts";
import type { CapturedCall, CaptureSink } from "../core/call.ts";
import type { Overrides } from "../pricing/overrides.ts";
import type { StoredCall } from "../store/contract.ts";
import { openStore } from "../store/open_store.ts";
import type { WorkerStore } from "../store/worker_store.ts";
import type { WriterStats } from "../store/writer.ts";
import { AnalysisPool, type PoolStats } from "./pool.ts";
import { CaptureQueue } from "./queue.ts";
import type { CallEvents } from "./call_events.ts";
import type { RecordedCall, RecorderReport } from "./recorder.ts";
import type { RecorderStart, StoreThreadMessage, StoreThreadReport } from "./_store_thread.ts";

/** Options for {@linkcode Ingest.open}. */
export interface IngestOptions {
  /** Where operational messages go. */
  log: (line: string) => void;
  /** Price overrides every worker prices with. */
  overrides?: Overrides;
  /** What is stored of each prompt and response. Default full. */
  privacy?: Privacy;
  /** Analysis workers. Default: cores less one. */
  workers?: number;
  /** Milliseconds between store writes. Default 100. */
  flushMs?: number;
  /** Also receives every recorded call (sent over from the store's thread only when set). */
  onRecord?: (call: RecordedCall) => void;
  /** The dashboard's live feed: told of each analysed call once it is stored. */
  events?: CallEvents;
}

/** The store's writer as the main thread sees it: its last reported counts, and a flush. */
export interface WriterView {
  stats(): WriterStats;
  /** Writes everything waiting now, held records too. */
  flush(): Promise<void>;
}

/** The store's thread: it hosts the store and records every analysed call. */
const STORE_THREAD = new URL("./store_worker.ts", import.meta.url);

/** Most milliseconds the proxy's records of ended calls wait here before they go to the store's thread. */
const HELD_MS = 10;
/** Most of them sent in one message. */
const HELD_BATCH = 256;

/**
 * What happens to a call after the proxy hands it over. The main thread only hands over:
 * the call's record as the proxy saw it goes to the store's thread at once (held there
 * until its analysis replaces it, so a crash or a full analysis queue loses no call), and
 * the call to an analysis worker, which posts its analysis straight to the store's
 * thread. There it is placed in its run, compared with the calls before it and written.
 */
export class Ingest implements CaptureSink {
  readonly queue = new CaptureQueue();
  readonly pool: AnalysisPool;
  /** The store, hosted on the store's thread; the dashboard's queries go there too. */
  readonly store: WorkerStore;
  readonly writer: WriterView;
  readonly #log: (line: string) => void;
  readonly #options: IngestOptions;
  #held: StoredCall[] = [];
  #heldTimer: ReturnType<typeof setTimeout> | undefined;
  /** The recorder's last report. */
  #report: RecorderReport = {
    handed: 0,
    writer: { backlog: 0, dropped: 0, written: 0, ok: true, error: null },
  };

  private constructor(store: WorkerStore, options: IngestOptions) {
    this.store = store;
    this.#options = options;
    this.#log = options.log;
    this.writer = {
      stats: () => this.#report.writer,
      flush: async () => {
        this.#sendHeld();
        await store.request("flushWriter");
      },
    };
    this.pool = new AnalysisPool(this.queue, {
      workers: options.workers,
      overrides: options.overrides,
      privacy: options.privacy,
      connect: () => {
        const { port1, port2 } = new MessageChannel();
        this.#post({ analysisPort: port2 }, [port2]);
        return port1;
      },
      // With ports, only failed analyses come back here: they are recorded as bare records.
      onResult: (analysis) => this.#post({ failed: [analysis] }),
    });
  }

  /** Opens the store `url` names on the store's thread and starts its recorder; throws StoreError. */
  static async open(url: string, options: IngestOptions): Promise<Ingest> {
    let ingest: Ingest | null = null;
    const store = await openStore(url, {
      script: STORE_THREAD,
      onMessage: (message) => ingest && ingest.#heard(message as StoreThreadReport),
    });
    ingest = new Ingest(store, options);
    const start: RecorderStart = {
      privacy: options.privacy,
      flushMs: options.flushMs,
      records: options.onRecord !== undefined,
    };
    await store.request("startRecorder", start);
    return ingest;
  }

  /**
   * Takes a call the proxy finished. Its record as the proxy saw it goes to the store's
   * thread, where its analysed record replaces it (or, past a short hold, it is written).
   */
  submit(call: CapturedCall): boolean {
    const queued = this.queue.submit(call);
    const error = queued
      ? call.error
      : joinErrors(call.error, "not analysed: the analysis queue was full");
    this.#held.push({ record: baseRecord(call, error), request: null, analysed: false });
    if (this.#held.length >= HELD_BATCH) this.#sendHeld();
    else this.#heldTimer ??= setTimeout(() => this.#sendHeld(), HELD_MS);
    return queued;
  }

  /** Starts the analysis workers; until then calls wait in the queue. */
  start(): void {
    this.pool.start();
  }

  /** Counters for health: calls analysed but not yet taken by the recorder count as busy. */
  analysisStats(): PoolStats {
    const stats = this.pool.stats();
    return { ...stats, busy: stats.busy + this.#inTransit() };
  }

  /**
   * Analyses what is queued (waiting up to `drainMs`, or only closing the queue when the
   * workers never started), lets the recorder take what is on its way, writes what is
   * waiting and closes the store. Returns the calls that could not be written.
   */
  async stop(drainMs: number, options: { analysed: boolean }): Promise<number> {
    this.#sendHeld();
    if (!options.analysed) this.queue.close();
    else if (!await this.pool.stop(drainMs)) {
      this.#log(`llmprof: stopped with ${this.queue.pending} calls not analysed.`);
    }
    const deadline = Date.now() + drainMs;
    while (this.#inTransit() > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    let left: number;
    try {
      left = await this.store.request("closeRecorder", drainMs) as number;
    } catch (error) {
      left = this.#report.writer.backlog;
      this.#log(`llmprof: the store's thread did not finish writing: ${(error as Error).message}`);
    }
    await this.store.close();
    return left;
  }

  /** Analyses on their way from the workers to the recorder. */
  #inTransit(): number {
    const { analysed, failed } = this.pool.stats();
    return Math.max(0, analysed + failed - this.#report.handed);
  }

  #sendHeld(): void {
    clearTimeout(this.#heldTimer);
    this.#heldTimer = undefined;
    if (this.#held.length === 0) return;
    this.#post({ held: this.#held });
    this.#held = [];
  }

  #post(message: StoreThreadMessage, transfer: Transferable[] = []): void {
    this.store.post(message, transfer);
  }

  #heard({ report }: StoreThreadReport): void {
    if (report === undefined) return;
    this.#report = report;
    for (const line of report.log ?? []) this.#log(line);
    for (const event of report.written ?? []) this.#options.events?.publish(event);
    for (const call of report.records ?? []) this.#options.onRecord?.(call);
  }
}
