/**
 * The proxy's HTTP/1.1 client for upstreams. It sends exactly the headers it is given (plus
 * Host and the body's framing) and hands the body over as the upstream sent it, encoded or
 * not: fetch would add `accept`, `accept-encoding`, `accept-language` and `user-agent` of
 * its own and decode what it asked for, so a client's request would not arrive unchanged.
 */
import http from "node:http";
import https from "node:https";
import process from "node:process";
import type { HeaderPairs } from "./headers.ts";

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

// One pool of kept-alive connections per scheme, as fetch keeps one. An idle connection is
// closed after a minute, as fetch's pool does, before most servers would close it first.
// HTTP_PROXY, HTTPS_PROXY and NO_PROXY are honoured, as fetch honours them (`proxyEnv` is
// newer than the Node.js types Deno ships).
const AGENT_OPTIONS: http.AgentOptions & { proxyEnv: NodeJS.ProcessEnv } = {
  keepAlive: true,
  timeout: 60_000,
  scheduling: "lifo",
  proxyEnv: process.env,
};
const httpAgent = new http.Agent(AGENT_OPTIONS);
const httpsAgent = new https.Agent(AGENT_OPTIONS);

/** Sends a request to an upstream URL and resolves with its status and headers. */
export function sendUpstream(target: string, request: UpstreamRequest): Promise<UpstreamResponse> {
  const { signal, body } = request;
  if (signal.aborted) return Promise.reject(signal.reason);
  const secure = target.startsWith("https:");
  const headers: Record<string, string> = Object.fromEntries(request.headers);
  if (body instanceof Uint8Array) headers["content-length"] = String(body.byteLength);
  return new Promise<UpstreamResponse>((resolve, reject) => {
    const outgoing = (secure ? https : http).request(target, {
      method: request.method,
      headers,
      agent: secure ? httpsAgent : httpAgent,
    });
    const abort = () => outgoing.destroy(signal.reason);
    signal.addEventListener("abort", abort, { once: true });
    let answered = false;
    // A kept-alive connection the upstream closed under a request is replaced by the runtime,
    // which sends the request again (tests/faults_test.ts shows it).
    outgoing.on("error", (error: Error) => {
      if (answered) return;
      signal.removeEventListener("abort", abort);
      reject(signal.aborted ? signal.reason : error);
    });
    outgoing.on("response", (incoming: http.IncomingMessage) => {
      answered = true;
      const status = incoming.statusCode ?? 502;
      const hasBody = request.method !== "HEAD" && status !== 204 && status !== 304;
      if (!hasBody) {
        signal.removeEventListener("abort", abort);
        incoming.resume();
      }
      resolve({
        status,
        headers: headersOf(incoming.rawHeaders),
        body: hasBody ? bodyOf(incoming, () => signal.removeEventListener("abort", abort)) : null,
      });
    });
    if (body instanceof ReadableStream) pump(body, outgoing);
    else outgoing.end(body ?? undefined);
  });
}

/** Writes a stream to the request as it arrives; a failing stream fails the request. */
async function pump(source: ReadableStream<Uint8Array>, outgoing: http.ClientRequest) {
  const reader = source.getReader();
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      if (!outgoing.write(next.value)) {
        await new Promise((resolve) => outgoing.once("drain", resolve));
      }
    }
    outgoing.end();
  } catch (error) {
    outgoing.destroy(error instanceof Error ? error : new Error(String(error)));
  }
}

function headersOf(raw: string[]): Headers {
  const headers = new Headers();
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i], raw[i + 1]);
  return headers;
}

/** The response body's two readers over one incoming message; `settled` runs when it ends. */
function bodyOf(incoming: http.IncomingMessage, settled: () => void): UpstreamBody {
  // Calls back once: with null at the body's end, or with why it failed.
  const onEnd = (done: (error: Error | null) => void) => {
    let ended = false;
    const finish = (error: Error | null) => {
      if (ended) return;
      ended = true;
      settled();
      done(error);
    };
    incoming.once("end", () => finish(null));
    incoming.once("error", (error) => finish(error));
    incoming.once("close", () => {
      if (!incoming.complete) {
        finish(new Error("the upstream closed the connection before the body ended"));
      }
    });
  };
  return {
    readWhole(length, progress) {
      return new Promise((resolve, reject) => {
        const out = new Uint8Array(length);
        let at = 0;
        incoming.on("data", (chunk: Uint8Array) => {
          progress.touch();
          if (at + chunk.byteLength > length) {
            incoming.destroy(
              new Error(`the body is longer than its Content-Length of ${length} bytes`),
            );
            return;
          }
          out.set(chunk, at);
          at += chunk.byteLength;
        });
        onEnd((error) => {
          if (error) reject(error);
          else if (at < length) {
            reject(new Error(`the body ended after ${at} of its ${length} bytes`));
          } else resolve(out);
        });
      });
    },
    stream(watch) {
      // The watch hears of one end: the body's, or the reader's cancel, whichever comes first.
      let ended = false;
      // A failing watch (a bug in capture) fails this stream, not the process: the calls run
      // in the message's event listeners, where a throw would be uncaught.
      const tell = (what: () => void): unknown => {
        try {
          what();
          return null;
        } catch (error) {
          return error;
        }
      };
      return new ReadableStream<Uint8Array>({
        start(controller) {
          incoming.on("data", (chunk: Uint8Array) => {
            const failed = watch ? tell(() => watch.chunk(chunk)) : null;
            if (watch && failed !== null) {
              ended = true;
              controller.error(failed);
              incoming.destroy();
              tell(() => watch.end(false, failed));
              return;
            }
            controller.enqueue(chunk);
            // Backpressure: nothing more is read until the client has taken this chunk.
            if ((controller.desiredSize ?? 0) <= 0) incoming.pause();
          });
          onEnd((error) => {
            // A cancel destroys the message, which ends it too: the cancel told the watch first.
            if (ended) return;
            ended = true;
            if (error) controller.error(error);
            else controller.close();
            if (watch) tell(() => watch.end(false, error));
          });
        },
        pull() {
          incoming.resume();
        },
        cancel() {
          incoming.destroy();
          if (ended) return;
          ended = true;
          if (watch) tell(() => watch.end(true, null));
        },
      }, { highWaterMark: 1 });
    },
  };
}
