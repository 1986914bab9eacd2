import type { Analysis } from "../analysis/analysis.ts";
import { withoutText } from "../analysis/privacy.ts";
import type { Privacy } from "../core/record.ts";
import { runName } from "../analysis/agent.ts";
import { baseRecord, joinErrors } from "../core/base_record.ts";
import type { CapturedCall, CaptureSink } from "../core/call.ts";
import { CrossCallFindings } from "../correlate/cross_call.ts";
import { RunChainer } from "../correlate/runs.ts";
import type { Overrides } from "../pricing/overrides.ts";
import type { BaseStore } from "../store/contract.ts";
import { StoreWriter } from "../store/writer.ts";
import { AnalysisPool } from "./pool.ts";
import { CaptureQueue } from "./queue.ts";
import type { CallEvents } from "./call_events.ts";

/** Options for {@linkcode Ingest}. */
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
  /** Also receives every analysed call. */
  onRecord?: (analysis: Analysis) => void;
  /** The dashboard's live feed: told of each analysed call once it is stored. */
  events?: CallEvents;
}

/**
 * What happens to a call after the proxy hands it over: it is written at once as the
 * proxy saw it, queued, analysed in the worker pool, placed in its run, compared with the
 * calls before it, and written again as its analysed record.
 */
export class Ingest implements CaptureSink {
  readonly queue = new CaptureQueue();
  readonly pool: AnalysisPool;
  readonly writer: StoreWriter;
  readonly #log: (line: string) => void;
  readonly #store: BaseStore;
  readonly #chainer: RunChainer;
  readonly #crossCall = new CrossCallFindings();
  #resetWatch: ReturnType<typeof setInterval> | undefined;

  constructor(store: BaseStore, options: IngestOptions) {
    this.#log = options.log;
    this.#store = store;
    const events = options.events;
    this.writer = new StoreWriter(store, {
      flushMs: options.flushMs,
      log: options.log,
      onWritten: events && ((calls) => {
        for (const { record, analysed } of calls) {
          if (analysed === false) continue;
          events.publish({
            id: record.id,
            created_at: record.created_at,
            session_id: record.session?.id ?? null,
            provider: record.provider,
            model: record.model,
            cost_usd: record.cost?.total_usd ?? null,
          });
        }
      }),
    });
    const chainer = this.#chainer = new RunChainer(store, { log: options.log });
    const crossCall = this.#crossCall;
    this.pool = new AnalysisPool(this.queue, {
      workers: options.workers,
      overrides: options.overrides,
      privacy: options.privacy,
      onResult: async (analysis) => {
        const { record } = analysis;
        if (analysis.chain.length > 0 || analysis.sessionHeader || analysis.previousResponseId) {
          record.session = await chainer.assign({
            callId: record.id,
            prefixes: analysis.chain,
            loose: analysis.looseChain,
            sessionHeader: analysis.sessionHeader,
            previousResponseId: analysis.previousResponseId,
            responseId: record.response?.id ?? null,
            spawns: analysis.agent?.spawns,
            agent: analysis.agent
              ? {
                session: analysis.agent.session,
                opening: analysis.agent.opening,
                name: runName(analysis.agent),
                launch: analysis.agent.launch,
                parent: analysis.agent.parentThread,
              }
              : undefined,
          });
        }
        crossCall.add(record, analysis.facts);
        // Findings across calls quote earlier prompts; under metadata no text is stored.
        if (options.privacy === "metadata") record.findings = withoutText(record.findings);
        this.writer.write({
          record,
          request: analysis.request,
          blocks: analysis.blocks,
          endHash: analysis.chain.at(-1) ?? null,
          looseHash: analysis.looseChain.at(-1) ?? null,
        });
        options.onRecord?.(analysis);
      },
    });
  }

  /**
   * Takes a call the proxy finished. It is written the moment it ends, so a crash or a
   * full analysis queue loses no call; its analysed record replaces that row later.
   */
  submit(call: CapturedCall): boolean {
    const queued = this.queue.submit(call);
    const error = queued
      ? call.error
      : joinErrors(call.error, "not analysed: the analysis queue was full");
    this.writer.write({ record: baseRecord(call, error), request: null, analysed: false });
    return queued;
  }

  /** Starts the analysis workers; until then calls wait in the queue. */
  start(): void {
    this.pool.start();
  }

  /**
   * Watches for a reset of the store (`llmprof reset`, perhaps from another process), once a
   * second and off the request path: what chaining and findings remember of earlier calls
   * goes with it, so new calls start new runs.
   */
  async watchResets(): Promise<void> {
    let lastReset = await this.#store.lastReset().catch(() => 0);
    let checking = false;
    const watch = this.#resetWatch = setInterval(async () => {
      if (checking) return;
      checking = true;
      const at = await this.#store.lastReset().catch(() => lastReset);
      checking = false;
      if (at === lastReset) return;
      lastReset = at;
      this.#chainer.forget();
      this.#crossCall.forget();
      this.#log("llmprof: the store was reset; runs start afresh.");
    }, 1_000);
    Deno.unrefTimer(watch);
  }

  /**
   * Analyses what is queued (waiting up to `drainMs`, or only closing the queue when the
   * workers never started), then writes what is waiting and closes the store. Returns the
   * calls that could not be written.
   */
  async stop(drainMs: number, options: { analysed: boolean }): Promise<number> {
    clearInterval(this.#resetWatch);
    if (!options.analysed) this.queue.close();
    else if (!await this.pool.stop(drainMs)) {
      this.#log(`llmprof: stopped with ${this.queue.pending} calls not analysed.`);
    }
    return await this.writer.close(drainMs);
  }
}
