/** Bytes kept of one body, in order, up to a cap. */
export interface CapturedBody {
  /** The bytes kept, or null when the body went over the cap. */
  bytes: Uint8Array | null;
  /** All bytes that passed, kept or not. */
  total: number;
}

/** Collects chunks up to a cap without copying until the end. */
export class BodyRecorder {
  #chunks: Uint8Array[] = [];
  #total = 0;
  #over = false;
  readonly #cap: number;

  constructor(cap: number) {
    this.#cap = cap;
  }

  /** Notes a chunk that passed. */
  add(chunk: Uint8Array): void {
    this.#total += chunk.byteLength;
    if (this.#over) return;
    if (this.#total > this.#cap) {
      this.#over = true;
      this.#chunks = [];
      return;
    }
    this.#chunks.push(chunk);
  }

  /** The body as recorded so far. */
  result(): CapturedBody {
    if (this.#over) return { bytes: null, total: this.#total };
    return { bytes: concat(this.#chunks, this.#total), total: this.#total };
  }
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
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
  const reader = source.getReader();
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
        next = await reader.read();
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
      recorder.add(next.value);
      controller.enqueue(next.value);
    },
    async cancel(reason) {
      end(true, null);
      await reader.cancel(reason).catch(() => {});
    },
  }, { highWaterMark: 0 });
}
