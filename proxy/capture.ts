/** Bytes kept of one body, in order, up to a cap. */
export interface CapturedBody {
  /** The bytes kept, or null when the body went over the cap. */
  bytes: Uint8Array | null;
  /** All bytes that passed, kept or not. */
  total: number;
}

/**
 * Collects the bytes that pass, up to a cap, into one compact buffer. Chunks are copied as
 * they pass: a chunk from fetch is a view on a 64 KiB buffer, and keeping the view would
 * keep the whole buffer (and clone it whole when the call is handed to analysis).
 */
export class BodyRecorder {
  #buffer = new Uint8Array(0);
  #total = 0;
  #over = false;
  readonly #cap: number;

  constructor(cap: number) {
    this.#cap = cap;
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

  /** The body as recorded so far, in a buffer of its own exact size. */
  result(): CapturedBody {
    if (this.#over) return { bytes: null, total: this.#total };
    return { bytes: this.#buffer.slice(0, this.#total), total: this.#total };
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

/** Options for {@linkcode tapStream}. */
export interface TapOptions {
  /** Most bytes to keep; beyond it only the count goes on. */
  cap: number;
  /** Called as each chunk passes (the idle timeout's progress). */
  onChunk?: () => void;
  /** Called once, when the stream ends, fails or is cancelled. */
  onEnd(end: TapEnd): void;
}

/**
 * Passes a byte stream through untouched and chunk by chunk, noting what passed,
 * so the client never waits for capture.
 */
export function tapStream(
  source: ReadableStream<Uint8Array>,
  options: TapOptions,
): ReadableStream<Uint8Array> {
  const read = chunkReader(source);
  const recorder = new BodyRecorder(options.cap);
  let firstChunkAt: number | null = null;
  let ended = false;
  const end = (cancelled: boolean, error: unknown) => {
    if (ended) return;
    ended = true;
    options.onEnd({ body: recorder.result(), firstChunkAt, cancelled, error });
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await read.next();
      } catch (error) {
        end(false, error);
        controller.error(error);
        return;
      }
      if (next.done) {
        end(false, null);
        controller.close();
        return;
      }
      firstChunkAt ??= performance.now();
      options.onChunk?.();
      recorder.add(next.value);
      controller.enqueue(next.value);
    },
    async cancel(reason) {
      end(true, null);
      await read.cancel(reason).catch(() => {});
    },
  }, { highWaterMark: 0 });
}

/**
 * Reads a body of known length whole into one buffer of that size, noting progress after
 * each chunk so a stalled body can be timed out. Throws when the body fails or ends short.
 */
export async function readWhole(
  source: ReadableStream<Uint8Array>,
  length: number,
  progress: { touch(): void },
): Promise<Uint8Array<ArrayBuffer>> {
  const read = chunkReader(source);
  const out = new Uint8Array(length);
  let at = 0;
  for (;;) {
    const next = await read.next();
    if (next.done) break;
    progress.touch();
    if (at + next.value.byteLength > length) {
      await read.cancel(null).catch(() => {});
      throw new Error(`the body is longer than its Content-Length of ${length} bytes`);
    }
    out.set(next.value, at);
    at += next.value.byteLength;
  }
  if (at < length) {
    throw new Error(`the body ended after ${at} of its ${length} bytes`);
  }
  return out;
}

/**
 * The same stream, its first chunk already read: a source that fails at once (a body
 * that cannot be decoded) throws here, before any answer has gone to the client.
 */
export async function primed(
  source: ReadableStream<Uint8Array>,
): Promise<ReadableStream<Uint8Array>> {
  const reader = source.getReader();
  let first: ReadableStreamReadResult<Uint8Array> | null = await reader.read();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = first ?? await reader.read();
      first = null;
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel: (reason) => reader.cancel(reason),
  }, { highWaterMark: 0 });
}

/** Reads a stream chunk by chunk; see {@linkcode chunkReader}. */
interface ChunkReader {
  next(): Promise<ReadableStreamReadResult<Uint8Array>>;
  cancel(reason: unknown): Promise<void>;
}

/** Bytes read at most at once from a byte stream, as fetch's own reads. */
const READ_SIZE = 64 * 1024;

/**
 * Reads chunks of a stream. A byte stream (a fetch body) is read into one reused buffer and
 * each chunk handed on as an exact-size copy: fetch's own reads allocate and zero 64 KiB
 * per chunk, which for a stream of small SSE events is most of the proxy's work.
 */
function chunkReader(source: ReadableStream<Uint8Array>): ChunkReader {
  let byob: ReadableStreamBYOBReader;
  try {
    byob = source.getReader({ mode: "byob" });
  } catch {
    const reader = source.getReader();
    return { next: () => reader.read(), cancel: (reason) => reader.cancel(reason) };
  }
  let scratch = new Uint8Array(READ_SIZE);
  return {
    async next() {
      const { done, value } = await byob.read(scratch);
      if (value) scratch = new Uint8Array(value.buffer);
      if (done) return { done: true, value: undefined };
      return { done: false, value: value.slice() };
    },
    cancel: (reason) => byob.cancel(reason),
  };
}
