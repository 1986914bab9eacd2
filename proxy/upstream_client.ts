/**
 * The proxy's HTTP/1.1 client for upstreams. It sends exactly the headers it is given (plus
 * Host and the body's framing) and hands the body over as the upstream sent it, encoded or
 * not: fetch would add `accept`, `accept-encoding`, `accept-language` and `user-agent` of
 * its own and decode what it asked for, so a client's request would not arrive unchanged.
 */
import type { HeaderPairs } from "./headers.ts";
import { lengthError } from "./_length_error.ts";
import {
  chunkSize,
  type Framing,
  framingOf,
  keepsAlive,
  readLatin1,
  requestHead,
  writeLatin1,
} from "./_http1.ts";
import {
  ClosedBeforeAnswer,
  type Connection,
  connectionFor,
  type Route,
} from "./_upstream_connection.ts";
import { type ProxyEnv, proxyEnv, proxyFor } from "./_proxy_env.ts";

/** A request for an upstream. */
export interface UpstreamRequest {
  method: string;
  /** Every header to send but Host and Content-Length, which the client sets. */
  headers: HeaderPairs;
  /** Whole bytes (sent with their Content-Length), a stream (sent chunked) or nothing. */
  body: Uint8Array | ReadableStream<Uint8Array> | null;
  /** Aborting it ends the exchange, whatever stage it is at. */
  signal: AbortSignal;
}

/** An upstream's answer: status and headers, then a body to read in one of two ways. */
export interface UpstreamResponse {
  status: number;
  headers: Headers;
  /** Null when the answer has no body (HEAD, 204, 304). */
  body: UpstreamBody | null;
}

/** A response body, read either whole or as a stream, once. */
export interface UpstreamBody {
  /**
   * The whole body of a known length, in one buffer of that size; `progress` is told after
   * each chunk (the idle timeout). Throws when the body fails or does not have that length.
   */
  readWhole(length: number, progress: { touch(): void }): Promise<Uint8Array<ArrayBuffer>>;
  /**
   * The body chunk by chunk, as it arrives; cancelling it ends the exchange. `watch` sees
   * each chunk as it arrives and the end, in the same step: no second stream to pass through.
   */
  stream(watch?: StreamWatch): ReadableStream<Uint8Array>;
}

/** What watches a streamed body: each chunk, then how it ended, once. */
export interface StreamWatch {
  /** A chunk as it arrives, before the reader takes it. */
  chunk(chunk: Uint8Array): void;
  /** `cancelled` when the reader left first; `error` when the body failed, else null. */
  end(cancelled: boolean, error: unknown): void;
}

/** Sends a request to an upstream URL and resolves with its status and headers. */
export function sendUpstream(target: string, request: UpstreamRequest): Promise<UpstreamResponse> {
  if (request.signal.aborted) return Promise.reject(request.signal.reason);
  let route: Route;
  try {
    route = routeFor(target);
  } catch (error) {
    return Promise.reject(error);
  }
  return exchange(route, request, false);
}

/** One request and its response head over one connection; sent again once on a new connection when a kept-alive one turns out closed. */
async function exchange(
  route: Route,
  request: UpstreamRequest,
  again: boolean,
): Promise<UpstreamResponse> {
  const { signal } = request;
  const sending = new Sending(request.body);
  let connection: Connection;
  try {
    connection = await connectionFor(route, { fresh: again, signal });
  } catch (error) {
    sending.stop(error);
    if (signal.aborted) throw signal.reason;
    throw new Error(`cannot connect to ${route.host}: ${connectProblem(error)}`);
  }
  const reused = connection.reused;
  const abort = () => connection.close();
  signal.addEventListener("abort", abort, { once: true });
  if (signal.aborted) abort();
  let answered = false;
  // The head is read while the request is sent, so an answer that comes before the whole body
  // (a 413, say) still arrives. A send that fails before the answer ends the exchange; after
  // it, the answer's body still comes and the connection is not kept.
  send(connection, route, request, sending).then(() => {
    sending.done = true;
  }, (error) => {
    sending.error = error;
    if (!answered) connection.close();
  });
  try {
    const head = await connection.readHead();
    answered = true;
    const framing = framingOf(request.method, head);
    // The connection carries the next exchange only once this one is all sent and read; a
    // request body still going up when the answer has ended is cut off.
    const finish = (whole: boolean) => {
      signal.removeEventListener("abort", abort);
      if (whole && sending.done && keepsAlive(head, framing)) return connection.release();
      connection.close();
      sending.stop(new Error("the upstream answered before the request body was sent"));
    };
    if (framing.kind === "none") finish(true);
    return {
      status: head.status,
      headers: head.headers,
      body: framing.kind === "none" ? null : bodyOf(connection, { framing, done: finish, signal }),
    };
  } catch (error) {
    signal.removeEventListener("abort", abort);
    connection.close();
    sending.stop(error);
    if (signal.aborted) throw signal.reason;
    // Sent again only when nothing came back and the body can be sent again.
    const stale = reused && !again && !connection.heard && !sending.streamed &&
      (error instanceof ClosedBeforeAnswer || sending.error !== null || isReset(error));
    if (stale) return exchange(route, request, true);
    throw sending.error ?? error;
  }
}

/** A request body on its way: the reader of a streamed one, and how sending it ended. */
class Sending {
  readonly body: UpstreamRequest["body"];
  reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  done = false;
  error: unknown = null;
  #stopped = false;

  constructor(body: UpstreamRequest["body"]) {
    this.body = body;
  }

  /** Whether the body is a stream, which cannot be sent a second time. */
  get streamed(): boolean {
    return this.body instanceof ReadableStream;
  }

  /** Cancels a streamed body not yet all sent, so the client's side of it ends too. */
  stop(reason: unknown): void {
    if (this.done || this.#stopped || !(this.body instanceof ReadableStream)) return;
    this.#stopped = true;
    (this.reader ?? this.body).cancel(reason).catch(() => {});
  }

  get stopped(): boolean {
    return this.#stopped;
  }
}

/** What went wrong connecting, with what to do for a certificate rustls refuses that Node.js would take. */
function connectProblem(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (!message.includes("CaUsedAsEndEntity")) return message;
  return "its certificate is a CA certificate (self-signed with basicConstraints CA:TRUE), which TLS " +
    "clients here refuse as a server's; give the server a certificate signed by that CA, or one " +
    "made with basicConstraints CA:FALSE";
}

function isReset(error: unknown): boolean {
  return error instanceof Deno.errors.ConnectionReset || error instanceof Deno.errors.BrokenPipe;
}

/** Writes the request: head and a byte body in one write when small, a stream chunked. */
async function send(
  connection: Connection,
  route: Route,
  request: UpstreamRequest,
  sending: Sending,
): Promise<void> {
  const { body } = request;
  const headers = route.proxy?.authorization && !route.secure
    ? [...request.headers, ["proxy-authorization", route.proxy.authorization] as [string, string]]
    : request.headers;
  const head = requestHead(
    { method: request.method, target: route.target, host: route.host, headers },
    { length: body instanceof Uint8Array ? body.byteLength : null, none: body === null },
  );
  if (body instanceof ReadableStream) {
    await connection.write(latin1(head));
    return sendChunked(connection, body, sending);
  }
  const bytes = body ?? new Uint8Array(0);
  if (bytes.byteLength > ONE_WRITE_MAX) {
    await connection.write(latin1(head));
    return connection.write(bytes);
  }
  const out = new Uint8Array(head.length + bytes.byteLength);
  writeLatin1(head, out);
  out.set(bytes, head.length);
  await connection.write(out);
}

/** A body up to this size goes in the same write as the head; a larger one is not copied. */
const ONE_WRITE_MAX = 16 * 1024;

function latin1(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  writeLatin1(text, out);
  return out;
}

/** Sends a stream with chunked framing as it arrives; a failing stream fails the exchange. */
async function sendChunked(
  connection: Connection,
  source: ReadableStream<Uint8Array>,
  sending: Sending,
) {
  // A body stopped before this point was cancelled: its reader reads its end at once.
  const reader = sending.reader = source.getReader();
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      if (next.value.byteLength === 0) continue;
      const size = `${next.value.byteLength.toString(16)}\r\n`;
      const frame = new Uint8Array(size.length + next.value.byteLength + 2);
      writeLatin1(size, frame);
      frame.set(next.value, size.length);
      frame[frame.length - 2] = 13;
      frame[frame.length - 1] = 10;
      await connection.write(frame);
    }
    if (sending.stopped) throw new Error("the exchange ended before the request body was sent");
    await connection.write(LAST_CHUNK);
  } catch (error) {
    reader.cancel(error).catch(() => {});
    throw error;
  }
}

const LAST_CHUNK = new TextEncoder().encode("0\r\n\r\n");

/** The response body's two readers over one connection; `done` runs once, when it ends or fails. */
function bodyOf(
  connection: Connection,
  options: { framing: Framing; done: (whole: boolean) => void; signal: AbortSignal },
): UpstreamBody {
  const pieces = new BodyPieces(connection, options.framing);
  let ended = false;
  const end = (whole: boolean) => {
    if (ended) return;
    ended = true;
    options.done(whole);
  };
  // After an abort (a timeout, the client leaving) the read fails because of it: say why.
  const failure = (error: unknown) =>
    options.signal.aborted && options.signal.reason instanceof Error
      ? options.signal.reason
      : error;
  return {
    async readWhole(length, progress) {
      try {
        const out = await pieces.whole(length, progress);
        end(true);
        return out;
      } catch (error) {
        end(false);
        throw failure(error);
      }
    },
    stream(watch) {
      // A failing watch (a bug in capture) fails this stream, not the read loop.
      const tell = (what: () => void): unknown => {
        try {
          what();
          return null;
        } catch (error) {
          return error;
        }
      };
      return new ReadableStream<Uint8Array>({
        async pull(controller) {
          let piece: Uint8Array | null;
          try {
            piece = await pieces.next();
          } catch (error) {
            if (ended) return;
            end(false);
            const why = failure(error);
            controller.error(why);
            if (watch) tell(() => watch.end(false, why));
            return;
          }
          if (ended) return;
          if (piece === null) {
            end(true);
            controller.close();
            if (watch) tell(() => watch.end(false, null));
            return;
          }
          const failed = watch ? tell(() => watch.chunk(piece)) : null;
          if (watch && failed !== null) {
            end(false);
            controller.error(failed);
            tell(() => watch.end(false, failed));
            return;
          }
          controller.enqueue(piece);
        },
        cancel() {
          if (ended) return;
          end(false);
          if (watch) tell(() => watch.end(true, null));
        },
      }, { highWaterMark: 0 });
    },
  };
}

/** A response body read piece by piece from its connection, framing taken off. */
class BodyPieces {
  readonly #connection: Connection;
  readonly #framing: Framing;
  /** Bytes left of a length-framed body or of the current chunk. */
  #left: number;
  #state: "data" | "size" | "crlf" | "trailers" | "end";

  constructor(connection: Connection, framing: Framing) {
    this.#connection = connection;
    this.#framing = framing;
    this.#left = framing.kind === "length" ? framing.length : 0;
    this.#state = framing.kind === "chunked"
      ? "size"
      : framing.kind === "length" && framing.length === 0
      ? "end"
      : "data";
  }

  /** The next piece of the body, or null at its end. */
  async next(): Promise<Uint8Array<ArrayBuffer> | null> {
    const c = this.#connection;
    for (;;) {
      if (this.#state === "end") return null;
      if (this.#state === "data") {
        if (c.available === 0 && !(await c.fill())) {
          if (this.#framing.kind === "close") {
            this.#state = "end";
            return null;
          }
          throw new Error("the upstream closed the connection before the body ended");
        }
        if (this.#framing.kind === "close") return c.take(c.available);
        const piece = c.take(this.#left);
        this.#left -= piece.byteLength;
        if (this.#left === 0) this.#state = this.#framing.kind === "chunked" ? "crlf" : "end";
        return piece;
      }
      const line = await this.#line();
      if (this.#state === "crlf") {
        if (line !== "") throw new Error("the upstream sent a chunk longer than its size");
        this.#state = "size";
      } else if (this.#state === "size") {
        this.#left = chunkSize(line);
        this.#state = this.#left === 0 ? "trailers" : "data";
      } else if (line === "") {
        this.#state = "end";
      }
    }
  }

  /** The whole body, which must be `length` bytes, read into one buffer of that size. */
  async whole(length: number, progress: { touch(): void }): Promise<Uint8Array<ArrayBuffer>> {
    const out = new Uint8Array(length);
    let at = 0;
    const c = this.#connection;
    if (this.#framing.kind === "length" && this.#framing.length === length) {
      // Straight into the buffer: what was read with the head, then the socket's reads.
      at = c.takeInto(out);
      while (at < length) {
        const n = await c.readInto(out.subarray(at));
        if (n === null) throw lengthError(at, length);
        at += n;
        progress.touch();
      }
      this.#state = "end";
      return out;
    }
    for (let piece = await this.next(); piece !== null; piece = await this.next()) {
      progress.touch();
      if (at + piece.byteLength > length) {
        throw lengthError(at + piece.byteLength, length);
      }
      out.set(piece, at);
      at += piece.byteLength;
    }
    if (at < length) throw lengthError(at, length);
    return out;
  }

  /** The next line of chunked framing, without its CRLF. */
  async #line(): Promise<string> {
    const c = this.#connection;
    for (let scanned = 0;;) {
      for (let i = c.start + scanned; i < c.end; i++) {
        if (c.buffer[i] === 10) {
          const stop = i > c.start && c.buffer[i - 1] === 13 ? i - 1 : i;
          const line = readLatin1(c.buffer.subarray(c.start, stop));
          c.start = i + 1;
          return line;
        }
      }
      if (c.available > LINE_MAX) throw new Error("the upstream sent a chunk line over 4 KiB");
      scanned = c.available;
      if (!(await c.fill())) {
        throw new Error("the upstream closed the connection before the body ended");
      }
    }
  }
}

const LINE_MAX = 4096;

/** Reads HTTP_PROXY, HTTPS_PROXY and NO_PROXY once, when the first request is sent. */
let proxies: ProxyEnv | null = null;

/** Where a request for `target` goes: its origin, or the forward proxy the environment names. */
function routeFor(target: string): Route {
  const url = new URL(target);
  const secure = url.protocol === "https:";
  if (!secure && url.protocol !== "http:") {
    throw new Error(`cannot send to ${url.protocol} URLs, only http: and https:`);
  }
  const port = Number(url.port || (secure ? 443 : 80));
  const hostname = url.hostname.replace(/^\[|\]$/g, "");
  const host = url.host;
  proxies ??= proxyEnv();
  const proxy = proxyFor(proxies, { secure, hostname, port });
  const key = `${url.protocol}//${hostname}:${port}${proxy ? ` via ${proxy.url.href}` : ""}`;
  const path = url.pathname + url.search;
  return {
    key,
    secure,
    hostname,
    port,
    host,
    target: proxy && !secure ? `${url.protocol}//${host}${path}` : path,
    proxy,
  };
}
