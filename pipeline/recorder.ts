import type { Analysis } from "../analysis/analysis.ts";
import { runName } from "../analysis/agent.ts";
import { withoutText } from "../analysis/privacy.ts";
import type { Privacy } from "../core/record.ts";
import { CrossCallFindings } from "../correlate/cross_call.ts";
import { RunChainer } from "../correlate/runs.ts";
import type { BaseStore, StoredCall } from "../store/contract.ts";
import { StoreWriter, type WriterStats } from "../store/writer.ts";
import type { CallEvent } from "./call_events.ts";

/** An analysed call as the recorder wrote it, for whoever listens (tests, the OpenTelemetry exporter). */
export type RecordedCall = Omit<Analysis, "facts">;

/** What a recorder tells its listener: sent after each batch it takes and each batch it writes. */
export interface RecorderReport {
  /** Analyses taken so far: placed in their run, compared and queued for writing. */
  handed: number;
  writer: WriterStats;
  /** Calls written since the last report, for the live feed. */
  written?: CallEvent[];
  /** Calls recorded since the last report, when records were asked for. */
  records?: RecordedCall[];
  /** Operational messages. */
  log?: string[];
}

/** Options for {@linkcode Recorder}. */
export interface RecorderOptions {
  /** What is stored of each prompt and response. Default full. */
  privacy?: Privacy;
  /** Milliseconds between store writes. Default 100. */
  flushMs?: number;
  /** Send every recorded call in the reports. */
  records?: boolean;
  /** Receives the reports. */
  report(report: RecorderReport): void;
}

/** The summary of a written call that the dashboard's live feed publishes. */
function callEvent({ record }: StoredCall): CallEvent {
  return {
    id: record.id,
    created_at: record.created_at,
    session_id: record.session?.id ?? null,
    provider: record.provider,
    model: record.model,
    cost_usd: record.cost?.total_usd ?? null,
  };
}

/**
 * The last stage of a call, on the thread that owns the store: each analysis is placed
 * in its run, compared with the calls before it, and written. Chain heads and route
 * state have this one owner; the proxy's thread only hands calls over.
 */
export class Recorder {
  readonly writer: StoreWriter;
  readonly #store: BaseStore;
  readonly #options: RecorderOptions;
  readonly #chainer: RunChainer;
  readonly #crossCall = new CrossCallFindings();
  #handed = 0;
  #taking: Promise<void> = Promise.resolve();
  #records: RecordedCall[] = [];
  #logs: string[] = [];
  #resetWatch: ReturnType<typeof setInterval> | undefined;

  constructor(store: BaseStore, options: RecorderOptions) {
    this.#store = store;
    this.#options = options;
    const log = (line: string) => {
      this.#logs.push(line);
      queueMicrotask(() => this.#report());
    };
    this.#chainer = new RunChainer(store, { log });
    this.writer = new StoreWriter(store, {
      flushMs: options.flushMs,
      log,
      onWritten: (calls) => {
        const written = calls.filter((call) => call.analysed !== false).map(callEvent);
        this.#report(written);
      },
    });
  }

  /** Queues the proxy's record of a call, which its analysed record replaces when it comes in time. */
  hold(calls: readonly StoredCall[]): void {
    for (const call of calls) this.writer.write({ ...call, analysed: false });
  }

  /** Places, compares and queues analyses for writing, in the order they are taken. */
  take(analyses: readonly Analysis[]): Promise<void> {
    this.#taking = this.#taking.then(async () => {
      for (const analysis of analyses) {
        try {
          await this.#record(analysis);
        } catch (error) {
          this.#logs.push(
            `llmprof: could not record call ${analysis.record.id}: ${(error as Error).message}`,
          );
        }
        this.#handed++;
      }
      this.#report();
    });
    return this.#taking;
  }

  async #record(analysis: Analysis): Promise<void> {
    const { record } = analysis;
    if (analysis.chain.length > 0 || analysis.sessionHeader || analysis.previousResponseId) {
      const agent = analysis.agent;
      record.session = await this.#chainer.assign({
        callId: record.id,
        prefixes: analysis.chain,
        loose: analysis.looseChain,
        sessionHeader: analysis.sessionHeader,
        previousResponseId: analysis.previousResponseId,
        responseId: record.response?.id ?? null,
        spawns: agent?.spawns,
        agent: agent
          ? {
            session: agent.session,
            opening: agent.opening,
            name: runName(agent),
            launch: agent.launch,
            parent: agent.parentThread,
          }
          : undefined,
      });
    }
    this.#crossCall.add(record, analysis.facts);
    // Findings across calls quote earlier prompts; under metadata no text is stored.
    if (this.#options.privacy === "metadata") record.findings = withoutText(record.findings);
    this.writer.write({
      record,
      request: analysis.request,
      blocks: analysis.blocks,
      endHash: analysis.chain.at(-1) ?? null,
      looseHash: analysis.looseChain.at(-1) ?? null,
    });
    if (this.#options.records) {
      const { facts: _, ...recorded } = analysis;
      this.#records.push(recorded);
    }
  }

  /**
   * Watches for a reset of the store (`llmprof reset`, perhaps from another process), once
   * a second: what chaining and findings remember of earlier calls goes with it, so new
   * calls start new runs.
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
      this.#logs.push("llmprof: the store was reset; runs start afresh.");
      this.#report();
    }, 1_000);
    Deno.unrefTimer(watch);
  }

  /** Writes what is waiting (trying for up to `graceMs`) and stops; returns the calls left unwritten. */
  async close(graceMs: number): Promise<number> {
    clearInterval(this.#resetWatch);
    await this.#taking;
    const left = await this.writer.close(graceMs);
    this.#report();
    return left;
  }

  #report(written?: CallEvent[]): void {
    const report: RecorderReport = { handed: this.#handed, writer: this.writer.stats() };
    if (written?.length) report.written = written;
    if (this.#records.length) report.records = this.#records.splice(0);
    if (this.#logs.length) report.log = this.#logs.splice(0);
    this.#options.report(report);
  }
}
