import { BodyRecorder, type CapturedBody } from "./capture.ts";

/** A request body ready to forward, with what was kept of it. */
export interface ForwardBody {
  /** What to hand to fetch: whole bytes when they fit under the cap, else a stream. */
  body: Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array> | null;
  /** Resolves when the whole body has passed (at once for buffered bodies). */
  captured: Promise<CapturedBody>;
}

/**
 * Reads a request body for forwarding. Bodies under the cap are read whole, so the
 * upstream gets the client's exact Content-Length; larger ones stream through and
 * only their size is noted.
 */
export async function readRequestBody(request: Request, cap: number): Promise<ForwardBody> {
  if (request.body === null) {
    return { body: null, captured: Promise.resolve({ bytes: null, total: 0 }) };
  }
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared <= cap) {
    const bytes = new Uint8Array(await request.arrayBuffer());
    return { body: bytes, captured: Promise.resolve({ bytes, total: bytes.byteLength }) };
  }
  const recorder = new BodyRecorder(cap);
  let done!: (body: CapturedBody) => void;
  const captured = new Promise<CapturedBody>((resolve) => done = resolve);
  const counted = request.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        recorder.add(chunk);
        controller.enqueue(chunk);
      },
      flush() {
        done(recorder.result());
      },
    }),
  );
  return { body: counted, captured };
}
