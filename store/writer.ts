import type { BaseStore, StoredCall } from "./contract.ts";

/** Options for {@linkcode StoreWriter}. */
export interface WriterOptions {
  /** Milliseconds between flushes. Default 100, so a crash loses at most about that much. */
  flushMs?: number;
  /**
   * Milliseconds an unanalysed record waits for its analysed one to take its place before
   * it is written as it is. Default 300: a call is never written twice when its analysis
   * keeps up, and is on disk within about half a second when it does not.
   */
  holdMs?: number;
  /** Most calls written in one batch. Default 500. */
  batchSize?: number;
  /** Most calls waiting while the store is away; beyond it new calls are shed and counted. Default 50,000. */
  maxBacklog?: number;
  /** Most bytes of request text waiting. Default 256 MiB. */
  maxBacklogBytes?: number;
  /** Milliseconds a batch write may take before it counts as failed and is retried. Default 15 s. */
  writeTimeoutMs?: number;
  /** Where operational messages go. Default console.error. */
  log?: (line: string) => void;
  /** Receives each batch once it is in the store. */
  onWritten?: (calls: readonly StoredCall[]) => void;
}

/** What the writer reports in health. */
export interface WriterStats {
  /** Calls waiting to be written. */
  backlog: number;
  /** Calls shed because the backlog was full. */
  dropped: number;
  written: number;
  /** False while the store refuses writes. */
  ok: boolean;
  error: string | null;
}

function sizeOf(call: StoredCall): number {
  return 2_048 + (call.request?.length ?? 0) +
    (call.blocks?.blocks.reduce((n, b) => n + b.text.length, 0) ?? 0);
}

/**
 * Batches analysed calls into the store. While the store is away, calls wait in a
 * bounded backlog and are retried with backoff; what the bound sheds is counted.
 */
export class StoreWriter {
  readonly #store: BaseStore;
  readonly #flushMs: number;
  readonly #holdMs: number;
  readonly #batchSize: number;
  readonly #maxBacklog: number;
  readonly #maxBytes: number;
  readonly #log: (line: string) => void;
  readonly #writeTimeoutMs: number;
  readonly #onWritten: ((calls: readonly StoredCall[]) => void) | undefined;
  /** Waiting calls by id, in arrival order: a call's analysed record takes its unanalysed one's place. */
  #backlog = new Map<string, StoredCall>();
  /** When each waiting unanalysed record becomes due, by id. */
  #dueAt = new Map<string, number>();
  #bytes = 0;
  #dropped = 0;
  #written = 0;
  #error: string | null = null;
  #retryMs = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = 0;
  #flushing: Promise<void> | null = null;
  #closed = false;

  constructor(store: BaseStore, options: WriterOptions = {}) {
    this.#store = store;
    this.#flushMs = options.flushMs ?? 100;
    this.#holdMs = options.holdMs ?? 300;
    this.#batchSize = options.batchSize ?? 500;
    this.#maxBacklog = options.maxBacklog ?? 50_000;
    this.#maxBytes = options.maxBacklogBytes ?? 256 * 1024 * 1024;
    this.#log = options.log ?? ((line) => console.error(line));
    this.#writeTimeoutMs = options.writeTimeoutMs ?? 15_000;
    this.#onWritten = options.onWritten;
  }

  /** Queues a call for writing; never blocks. Returns false when it was shed. */
  write(call: StoredCall): boolean {
    const size = sizeOf(call);
    if (
      this.#closed ||
      (!this.#backlog.has(call.record.id) && this.#backlog.size >= this.#maxBacklog) ||
      this.#bytes + size > this.#maxBytes
    ) {
      if (this.#dropped++ === 0 || this.#dropped % 1000 === 0) {
        this.#log(`llmprof: the store backlog is full; ${this.#dropped} calls shed so far.`);
      }
      return false;
    }
    const id = call.record.id;
    const waiting = this.#backlog.get(id);
    if (waiting) this.#bytes -= sizeOf(waiting);
    if (call.analysed === false) {
      if (waiting) return true; // never let the proxy's record replace an analysed one
      this.#dueAt.set(id, performance.now() + this.#holdMs);
    } else this.#dueAt.delete(id);
    this.#backlog.set(id, call);
    this.#bytes += size;
    this.#schedule(this.#retryMs || (call.analysed === false ? this.#holdMs : this.#flushMs));
    return true;
  }

  /** Counters for health. */
  stats(): WriterStats {
    return {
      backlog: this.#backlog.size,
      dropped: this.#dropped,
      written: this.#written,
      ok: this.#error === null,
      error: this.#error,
    };
  }

  /** Writes everything waiting now, held records too; resolves when the backlog is empty or a write failed. */
  flush(): Promise<void> {
    return (this.#flushing ?? Promise.resolve()).then(() => this.#flush(true));
  }

  #flush(all: boolean): Promise<void> {
    this.#flushing ??= this.#drain(all).finally(() => {
      this.#flushing = null;
    });
    return this.#flushing;
  }

  /** Writes what is waiting (trying for up to `graceMs`) and stops; the store stays open. Returns calls left unwritten. */
  async close(graceMs = 5_000): Promise<number> {
    this.#closed = true;
    clearTimeout(this.#timer);
    const deadline = Date.now() + graceMs;
    while (this.#backlog.size > 0 && Date.now() < deadline) {
      await this.flush();
      if (this.#backlog.size > 0) {
        await new Promise((r) => setTimeout(r, Math.min(250, Math.max(0, deadline - Date.now()))));
      }
    }
    const left = this.#backlog.size;
    if (left > 0) {
      this.#log(
        `llmprof: ${left} calls could not be written before shutdown: ${
          this.#error ?? "timed out"
        }.`,
      );
    }
    return left;
  }

  /** Flushes in `ms`, or sooner if a flush is already set for sooner. */
  #schedule(ms: number): void {
    if (this.#closed) return;
    const at = performance.now() + ms;
    if (this.#timer !== undefined) {
      if (this.#timerAt <= at) return;
      clearTimeout(this.#timer);
    }
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#flush(false);
    }, ms);
  }

  /** The next batch to write: held records only once due, unless `all`. */
  #nextBatch(all: boolean): StoredCall[] {
    const now = performance.now();
    const batch: StoredCall[] = [];
    let heldUntil = Infinity;
    for (const call of this.#backlog.values()) {
      if (batch.length >= this.#batchSize) break;
      const due = this.#dueAt.get(call.record.id);
      if (!all && due !== undefined && due > now) {
        heldUntil = Math.min(heldUntil, due);
        continue;
      }
      batch.push(call);
    }
    if (batch.length === 0 && heldUntil < Infinity) {
      this.#schedule(Math.max(1, Math.ceil(heldUntil - now)));
    }
    return batch;
  }

  async #drain(all: boolean): Promise<void> {
    for (;;) {
      const batch = this.#nextBatch(all || this.#closed);
      if (batch.length === 0) return;
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        // A write that never settles (a connection lost mid-query) must not stall the backlog;
        // writes are idempotent, so retrying one that did land is harmless.
        await Promise.race([
          this.#store.writeBatch(batch),
          new Promise((_, reject) => {
            timer = setTimeout(
              () =>
                reject(new Error(`the write took longer than ${this.#writeTimeoutMs / 1000} s`)),
              this.#writeTimeoutMs,
            );
          }),
        ]);
      } catch (error) {
        const message = (error as Error).message;
        if (this.#error === null) {
          this.#log(
            `llmprof: cannot write to the ${this.#store.kind} store, keeping calls until it returns: ${message}`,
          );
        }
        this.#error = message;
        this.#retryMs = Math.min(5_000, Math.max(250, this.#retryMs * 2));
        this.#schedule(this.#retryMs);
        return;
      } finally {
        clearTimeout(timer);
      }
      for (const call of batch) {
        // An analysed record that arrived during the write stays queued to replace this one.
        if (this.#backlog.get(call.record.id) !== call) continue;
        this.#backlog.delete(call.record.id);
        this.#dueAt.delete(call.record.id);
        this.#bytes -= sizeOf(call);
      }
      this.#written += batch.length;
      try {
        this.#onWritten?.(batch);
      } catch (error) {
        this.#log(`llmprof: a listener of written calls failed: ${(error as Error).message}`);
      }
      if (this.#error !== null) {
        this.#log(`llmprof: the ${this.#store.kind} store is back; writing the backlog.`);
      }
      this.#error = null;
      this.#retryMs = 0;
    }
  }
}
