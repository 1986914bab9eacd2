import type { CapturedCall, CaptureSink } from "../core/call.ts";

/** Limits for {@linkcode CaptureQueue}. */
export interface QueueOptions {
  /**
   * Most calls waiting at once. Default 20,000: analysis runs behind the proxy, so a burst
   * waits here (about ten seconds at 2,000 calls/s) and is analysed once the burst is over.
   */
  maxCalls?: number;
  /** Most captured body bytes waiting at once. Default 512 MiB. */
  maxBytes?: number;
}

/** How much {@linkcode CaptureQueue.takeBatch} takes at once. */
export interface BatchLimits {
  /** Most calls in one batch. */
  maxCalls: number;
  /** Most captured body bytes in one batch (the first call always comes). */
  maxBytes: number;
  /** Milliseconds to wait for a batch to fill once its first call is there. Default 0. */
  gatherMs?: number;
}

/** Counters a queue reports in health. */
export interface QueueStats {
  pending: number;
  dropped: number;
  accepted: number;
}

function sizeOf(call: CapturedCall): number {
  return (call.requestBody?.byteLength ?? 0) + (call.responseBody?.byteLength ?? 0);
}

/**
 * The bounded hand-off between the proxy and analysis. Submitting never blocks:
 * when the queue is full the call is shed and counted.
 */
export class CaptureQueue implements CaptureSink {
  readonly #maxCalls: number;
  readonly #maxBytes: number;
  #items: CapturedCall[] = [];
  #head = 0;
  #bytes = 0;
  #dropped = 0;
  #accepted = 0;
  #closed = false;
  #waiters: Array<(call: CapturedCall | null) => void> = [];
  /** A batch being gathered: woken when this many calls wait, or on close. */
  #gathering: { count: number; wake: () => void } | null = null;

  constructor(options: QueueOptions = {}) {
    this.#maxCalls = options.maxCalls ?? 20_000;
    this.#maxBytes = options.maxBytes ?? 512 * 1024 * 1024;
  }

  /** Adds a call unless the queue is full or closed; returns whether it was kept. */
  submit(call: CapturedCall): boolean {
    const waiter = this.#waiters.shift();
    if (waiter) {
      this.#accepted++;
      waiter(call);
      return true;
    }
    const size = sizeOf(call);
    if (this.#closed || this.pending >= this.#maxCalls || this.#bytes + size > this.#maxBytes) {
      this.#dropped++;
      return false;
    }
    this.#items.push(call);
    this.#bytes += size;
    this.#accepted++;
    if (this.#gathering && this.pending >= this.#gathering.count) this.#gathering.wake();
    return true;
  }

  /** The next call, waiting for one if none is queued; null once closed and empty. */
  take(): Promise<CapturedCall | null> {
    if (this.pending > 0) return Promise.resolve(this.#shift());
    if (this.#closed) return Promise.resolve(null);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /**
   * The next call, waiting for one, and after it as many queued as fit in `maxCalls` and
   * `maxBytes` of bodies (the first always comes); null once closed and empty. With
   * `gatherMs`, a batch that is not yet full waits up to that long for more calls, so a
   * trickle of calls travels in a few messages instead of one each.
   */
  async takeBatch(limits: BatchLimits): Promise<CapturedCall[] | null> {
    const first = await this.take();
    if (first === null) return null;
    if (limits.gatherMs) await this.#gather(limits.maxCalls - 1, limits.gatherMs);
    const batch = [first];
    let bytes = sizeOf(first);
    while (this.pending > 0 && batch.length < limits.maxCalls) {
      const next = this.#items[this.#head];
      if (bytes + sizeOf(next) > limits.maxBytes) break;
      bytes += sizeOf(next);
      batch.push(this.#shift());
    }
    return batch;
  }

  /** Waits until `count` calls are queued, the queue closes, or `ms` pass. */
  #gather(count: number, ms: number): Promise<void> {
    if (this.#closed || this.pending >= count || this.#gathering) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#gathering = null;
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#gathering = { count, wake };
    });
  }

  #shift(): CapturedCall {
    const call = this.#items[this.#head];
    this.#items[this.#head++] = undefined as unknown as CapturedCall;
    this.#bytes -= sizeOf(call);
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return call;
  }

  /** Stops accepting calls; consumers drain what is left, then get null. */
  close(): void {
    this.#closed = true;
    this.#gathering?.wake();
    for (const waiter of this.#waiters.splice(0)) waiter(null);
  }

  /** Calls waiting to be taken. */
  get pending(): number {
    return this.#items.length - this.#head;
  }

  /** Counters for health. */
  stats(): QueueStats {
    return { pending: this.pending, dropped: this.#dropped, accepted: this.#accepted };
  }
}
