/** Bytes kept of one body, in order, up to a cap. */
export interface CapturedBody {
  /** The bytes kept, or null when the body went over the cap. */
  bytes: Uint8Array<ArrayBuffer> | null;
  /** All bytes that passed, kept or not. */
  total: number;
}

/** The most a recorder sets aside before bytes come: a stalled client is not handed its whole declared size. */
const FIRST_BUFFER = 1024 * 1024;

/**
 * Collects the bytes that pass, up to a cap, into one compact buffer. Chunks are copied as
 * they pass: a chunk may be a view on a larger buffer (a socket's read), and keeping the
 * view would keep the whole buffer (and clone it whole when the call is handed to analysis).
 */
export class BodyRecorder {
  #buffer = new Uint8Array(0);
  #total = 0;
  #over = false;
  readonly #cap: number;

  /** `expected`: the size the body declared, so its buffer is set aside at once (up to 1 MiB) and grows no more than needed. */
  constructor(cap: number, options: { expected?: number } = {}) {
    this.#cap = cap;
    if (options.expected) {
      this.#buffer = new Uint8Array(Math.min(cap, options.expected, FIRST_BUFFER));
    }
  }

  /** All bytes that passed so far, kept or not. */
  get total(): number {
    return this.#total;
  }

  /** Notes a chunk that passed. */
  add(chunk: Uint8Array): void {
    const start = this.#total;
    this.#total += chunk.byteLength;
    if (this.#over) return;
    if (this.#total > this.#cap) {
      this.#over = true;
      this.#buffer = new Uint8Array(0);
      return;
    }
    if (this.#total > this.#buffer.byteLength) {
      const grown = new Uint8Array(
        Math.min(this.#cap, Math.max(this.#total, 2 * this.#buffer.byteLength, 4096)),
      );
      grown.set(this.#buffer.subarray(0, start));
      this.#buffer = grown;
    }
    this.#buffer.set(chunk, start);
  }

  /** The body as recorded so far, in a buffer of its own exact size (the recorder's own, when it is full). */
  result(): CapturedBody {
    if (this.#over) return { bytes: null, total: this.#total };
    const bytes = this.#buffer.byteLength === this.#total
      ? this.#buffer
      : this.#buffer.slice(0, this.#total);
    return { bytes, total: this.#total };
  }
}

/** How a tapped stream ended. */
export interface TapEnd {
  body: CapturedBody;
  /** performance.now() when the first chunk passed, or null. */
  firstChunkAt: number | null;
  /** True when the reader (the client) cancelled before the end. */
  cancelled: boolean;
  /** The source's error, when it failed mid-way. */
  error: unknown;
}

/** Options for a {@linkcode Tap} and {@linkcode tapStream}. */
export interface TapOptions {
  /** Most bytes to keep; beyond it only the count goes on. */
  cap: number;
  /** Called as each chunk passes (the idle timeout's progress). */
  onChunk?: () => void;
  /** Called once, when the stream ends, fails or is cancelled. */
  onEnd(end: TapEnd): void;
}

/**
 * Notes what passes of a streamed body, chunk by chunk, and tells once how it ended. The
 * upstream client calls it as chunks arrive; {@linkcode tapStream} calls it for any stream.
 */
export class Tap {
  readonly #options: TapOptions;
  readonly #recorder: BodyRecorder;
  #firstChunkAt: number | null = null;
  #ended = false;

  constructor(options: TapOptions) {
    this.#options = options;
    this.#recorder = new BodyRecorder(options.cap);
  }

  /** Notes a chunk that passed. */
  chunk(chunk: Uint8Array): void {
    this.#firstChunkAt ??= performance.now();
    this.#options.onChunk?.();
    this.#recorder.add(chunk);
  }

  /** Notes the end: `cancelled` when the client left first, `error` when the source failed. */
  end(cancelled: boolean, error: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#options.onEnd({
      body: this.#recorder.result(),
      firstChunkAt: this.#firstChunkAt,
      cancelled,
      error,
    });
  }
}

/**
 * Passes a byte stream through untouched and chunk by chunk, noting what passed,
 * so the client never waits for capture.
 */
export function tapStream(
  source: ReadableStream<Uint8Array>,
  options: TapOptions,
): ReadableStream<Uint8Array> {
  const read = source.getReader();
  const tap = new Tap(options);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await read.read();
      } catch (error) {
        tap.end(false, error);
        controller.error(error);
        return;
      }
      if (next.done) {
        tap.end(false, null);
        controller.close();
        return;
      }
      tap.chunk(next.value);
      controller.enqueue(next.value);
    },
    async cancel(reason) {
      tap.end(true, null);
      await read.cancel(reason).catch(() => {});
    },
  }, { highWaterMark: 0 });
}

/**
 * The same stream, its first chunk already read and shown: a body can be checked at its
 * start before any answer has gone to the client. Throws when the first read fails.
 */
export async function primed(
  source: ReadableStream<Uint8Array>,
): Promise<{ first: Uint8Array | null; stream: ReadableStream<Uint8Array> }> {
  const reader = source.getReader();
  let head: ReadableStreamReadResult<Uint8Array> | null = await reader.read();
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = head ?? await reader.read();
      head = null;
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel: (reason) => reader.cancel(reason),
  }, { highWaterMark: 0 });
  return { first: head.done ? null : head.value, stream };
}
