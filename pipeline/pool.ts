import type { CapturedCall } from "../core/call.ts";
import type { CaptureQueue } from "./queue.ts";
import type { Overrides } from "../pricing/mod.ts";
import { type Analysis, bareAnalysis } from "../analysis/analysis.ts";
import { baseRecord, joinErrors } from "../core/base_record.ts";
import type { WorkerInit } from "./worker.ts";
import type { Privacy } from "../core/record.ts";

/** Options for {@linkcode AnalysisPool}. */
export interface PoolOptions {
  /**
   * Receives the analyses that come back to this thread, in the order analysed (calls
   * start in order and may overlap): every one without `connect`, only the failed ones with it.
   */
  onResult(analysis: Analysis): void | Promise<void>;
  /**
   * Gives each new worker the port its analyses go to, past this thread (the store's
   * thread records them there); the worker then answers here with a count only.
   */
  connect?: () => MessagePort;
  /** Number of workers. Default: one per core less one, at least one. */
  workers?: number;
  /** The worker script. Default analysis/worker.ts. */
  workerUrl?: URL;
  /** Most milliseconds one call may take before its worker is replaced. Default 30 s. */
  callTimeoutMs?: number;
  /** Price overrides every worker prices with. */
  overrides?: Overrides;
  /** What is stored of each call's text. Default full. */
  privacy?: Privacy;
}

/** Counters the pool reports. */
export interface PoolStats {
  workers: number;
  analysed: number;
  failed: number;
  busy: number;
}

/** Handovers in flight per worker before it waits for one to settle. */
const MAX_HANDOVERS = 64;
/**
 * Most calls, and captured bytes, sent to a worker in one message; a batch waits up to
 * 25 ms to fill, so calls that trickle in cost a message each way per batch, not per call.
 */
const BATCH = { maxCalls: 32, maxBytes: 1024 * 1024, gatherMs: 25 };

interface Slot {
  worker: Worker;
  /** Resolves when the worker has loaded its modules. */
  ready: Promise<void>;
}

/**
 * Web Workers that take captured calls off the queue and analyse them, off the
 * request path. A worker that crashes or overruns is replaced; its call is recorded
 * with the reason.
 */
export class AnalysisPool {
  readonly #queue: CaptureQueue;
  readonly #options: PoolOptions;
  readonly #url: URL;
  readonly #timeoutMs: number;
  #slots: Slot[] = [];
  #loops: Promise<void>[] = [];
  #analysed = 0;
  #failed = 0;
  #busy = 0;

  constructor(queue: CaptureQueue, options: PoolOptions) {
    this.#queue = queue;
    this.#options = options;
    this.#url = options.workerUrl ?? new URL("./worker.ts", import.meta.url);
    this.#timeoutMs = options.callTimeoutMs ?? 30_000;
  }

  /** Starts the workers; they run until the queue is closed and drained. */
  start(): void {
    const count = this.#options.workers ?? Math.max(1, navigator.hardwareConcurrency - 1);
    for (let i = 0; i < count; i++) {
      const slot = this.#spawn();
      this.#slots.push(slot);
      this.#loops.push(this.#run(slot));
    }
  }

  /**
   * Closes the queue and waits up to `graceMs` for queued calls to finish; then stops
   * the workers. Returns whether everything queued was analysed.
   */
  async stop(graceMs = 5_000): Promise<boolean> {
    this.#queue.close();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const drained = await Promise.race([
      Promise.all(this.#loops).then(() => true),
      new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), graceMs)),
    ]);
    clearTimeout(timer);
    for (const slot of this.#slots) slot.worker.terminate();
    return drained;
  }

  /** Counters for health. */
  stats(): PoolStats {
    return {
      workers: this.#slots.length,
      analysed: this.#analysed,
      failed: this.#failed,
      busy: this.#busy,
    };
  }

  #spawn(): Slot {
    const worker = new Worker(this.#url, { type: "module" });
    const ready = new Promise<void>((resolve) => {
      worker.onmessage = () => resolve();
      worker.onerror = (event) => {
        event.preventDefault();
        resolve();
      };
    });
    const port = this.#options.connect?.() ?? null;
    const init: WorkerInit = {
      overrides: this.#options.overrides ?? {},
      privacy: this.#options.privacy ?? "full",
      port,
    };
    worker.postMessage(init, port ? [port] : []);
    return { worker, ready };
  }

  async #run(slot: Slot): Promise<void> {
    // The worker goes on to the next calls while the last ones are handed over (chained and
    // stored), which may wait on the store; handovers start in order and are bounded.
    const handing = new Set<Promise<void>>();
    for (;;) {
      const calls = await this.#queue.takeBatch(BATCH);
      if (calls === null) break;
      this.#busy += calls.length;
      const analyses = await this.#analyseBatch(slot, calls);
      this.#busy -= calls.length;
      for (const analysis of analyses) {
        const handover: Promise<void> = this.#handOver(analysis).finally(() =>
          handing.delete(handover)
        );
        handing.add(handover);
      }
      while (handing.size >= MAX_HANDOVERS) await Promise.race(handing);
    }
    await Promise.all(handing);
  }

  /**
   * Analyses a batch, returning the analyses that came back here; when it fails, each call
   * again on its own, so one bad call costs only its own analysis.
   */
  async #analyseBatch(slot: Slot, calls: CapturedCall[]): Promise<Analysis[]> {
    await slot.ready;
    const analyses = await this.#analyse(slot, calls);
    if (typeof analyses !== "string") {
      this.#analysed += calls.length;
      return analyses;
    }
    if (calls.length > 1) {
      const out: Analysis[] = [];
      for (const call of calls) out.push(...await this.#analyseBatch(slot, [call]));
      return out;
    }
    this.#failed++;
    return [bareAnalysis(baseRecord(calls[0], joinErrors(calls[0].error, analyses)))];
  }

  async #handOver(analysis: Analysis): Promise<void> {
    try {
      await this.#options.onResult(analysis);
    } catch (error) {
      console.error(
        `llmprof: could not hand over the analysis of call ${analysis.record.id}: ${
          (error as Error).message
        }`,
      );
    }
  }

  /** The analyses of `calls` that came back here (none when they went to a port), or why the worker failed them (it is then replaced). */
  #analyse(slot: Slot, calls: CapturedCall[]): Promise<Analysis[] | string> {
    return new Promise((resolve) => {
      const worker = slot.worker;
      const fail = (reason: string) => {
        clearTimeout(timer);
        worker.terminate();
        Object.assign(slot, this.#spawn());
        resolve(reason);
      };
      const timer = setTimeout(
        () => fail(`analysis took longer than ${this.#timeoutMs / 1000} s and was stopped`),
        this.#timeoutMs,
      );
      worker.onmessage = (event: MessageEvent<Analysis[] | number>) => {
        clearTimeout(timer);
        resolve(typeof event.data === "number" ? [] : event.data);
      };
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        fail(`the analysis worker crashed: ${event.message}`);
      };
      worker.onmessageerror = () => fail("the analysis result could not be received");
      worker.postMessage(calls);
    });
  }
}
