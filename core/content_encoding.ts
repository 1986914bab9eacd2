/**
 * HTTP content encodings of response bodies. The proxy passes an encoded body to the client
 * as the upstream sent it; it only checks that the body really is what its header says,
 * and analysis decodes its own copy.
 */

/** The decoder each encoding needs, by its `content-encoding` name. */
const DECODERS: Readonly<Record<string, CompressionFormat>> = {
  gzip: "gzip",
  "x-gzip": "gzip",
  deflate: "deflate",
  br: "brotli" as CompressionFormat,
};

/** Bytes of a body's start that are enough to tell whether it is in its encoding. */
const PROBE_BYTES = 4096;

/** The encoding named by a `content-encoding` value, lower case, or null for identity or none. */
export function encodingOf(header: string | null | undefined): string | null {
  const name = header?.trim().toLowerCase();
  return name && name !== "identity" ? name : null;
}

/** Whether llmprof can decode bodies in an encoding (gzip, deflate and br). */
export function canDecode(encoding: string): boolean {
  return encoding in DECODERS;
}

/**
 * Why the start of a body is not in the encoding its header names, or null when it is (or
 * when the encoding is one llmprof cannot decode, whose body it passes on unchecked).
 */
export async function encodingProblem(
  encoding: string,
  start: Uint8Array,
): Promise<string | null> {
  if (!canDecode(encoding)) return null;
  const stream = new DecompressionStream(DECODERS[encoding]);
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  // A transform runs only once its output is wanted: a read waits while the start goes in.
  const output = reader.read().catch(() => null);
  try {
    await writer.write(start.subarray(0, PROBE_BYTES) as Uint8Array<ArrayBuffer>);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    reader.cancel().catch(() => {});
    writer.abort().catch(() => {});
    await output;
  }
}

/** What {@linkcode decodeBody} made of a body. */
export interface DecodedBody {
  /** The decoded bytes, as many as could be decoded. */
  bytes: Uint8Array;
  /** Why decoding stopped before the end (a truncated or corrupt body), or null. */
  error: string | null;
}

/**
 * Decodes a whole body, keeping at most `cap` decoded bytes. A body cut short (a stream the
 * client left) keeps what decoded before the cut.
 */
export async function decodeBody(
  encoding: string,
  bytes: Uint8Array,
  options: { cap: number },
): Promise<DecodedBody> {
  if (!canDecode(encoding)) {
    return { bytes: new Uint8Array(0), error: `llmprof cannot decode ${encoding} bodies` };
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  let error: string | null = null;
  const reader = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new DecompressionStream(DECODERS[encoding])).getReader();
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      total += next.value.byteLength;
      if (total > options.cap) {
        error = `the decoded body is over the ${options.cap} byte capture cap`;
        await reader.cancel().catch(() => {});
        break;
      }
      chunks.push(next.value);
    }
  } catch (cause) {
    error = cause instanceof Error ? cause.message : String(cause);
  }
  return { bytes: concat(chunks), error };
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(chunks.reduce((sum, c) => sum + c.byteLength, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
