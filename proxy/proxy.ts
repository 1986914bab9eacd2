import type { CapturedCall, CaptureSink } from "../core/call.ts";
import { type CapturedBody, primed, Tap, type TapOptions, tapStream } from "./capture.ts";
import { encodingOf, encodingProblem } from "../core/content_encoding.ts";
import { sendUpstream, type UpstreamResponse } from "./upstream_client.ts";
import { newCallId } from "./call_id.ts";
import { type WaitEnd, Waits } from "./waits.ts";
import { isWebSocketUpgrade, relayWebSocket } from "./websocket.ts";
import { redactHeaders, redactQuery, redactUrl } from "../core/redact.ts";
import {
  type HeaderPairs,
  requestHeadersForUpstream,
  responseHeadersForClient,
} from "./headers.ts";
import { type ForwardBody, readRequestBody } from "./request_body.ts";
import { matchEndpoint, type UpstreamName, upstreamPrefix } from "./endpoints.ts";
import { clientErrorResponse, upstreamErrorResponse } from "./upstream_error.ts";

/** Where and how the proxy forwards. */
export interface ProxyOptions {
  /** OpenAI-compatible upstream base URL. */
  upstream: URL;
  /** Anthropic upstream base URL. */
  anthropicUpstream: URL;
  /** Gemini API upstream. Default https://generativelanguage.googleapis.com. */
  geminiUpstream?: URL;
  /** Vertex AI upstream. Default https://aiplatform.googleapis.com. */
  vertexUpstream?: URL;
  /** Azure OpenAI upstream (the resource's URL). Default: `upstream`. */
  azureUpstream?: URL;
  /** Receives every captured call. */
  sink: CaptureSink;
  /** Most body bytes captured per direction; beyond it analysis is skipped. Default 32 MiB. */
  captureCap?: number;
  /** Milliseconds to wait for the upstream's response headers. Default 10 minutes. */
  timeoutMs?: number;
  /** Milliseconds a response body may go without a byte before the call is ended. Default 5 minutes. */
  idleTimeoutMs?: number;
  /** Where operational messages go (never secrets). Default console.error. */
  log?: (line: string) => void;
}

/** Response header naming the call's id in llmprof. */
export const CALL_ID_HEADER = "x-llmprof-call-id";

const DEFAULT_CAP = 32 * 1024 * 1024;

/** Forwards a request upstream and captures the exchange; `url` is the request's, when already parsed. */
export interface ProxyHandler {
  (request: Request, url?: URL): Promise<Response>;
  /** Ends every call still open (shutdown's grace period is over): each is recorded as ended. */
  endOpen(): void;
}

/** A fetch-style handler that forwards a request upstream and captures the exchange. */
export function createProxy(options: ProxyOptions): ProxyHandler {
  const cap = options.captureCap ?? DEFAULT_CAP;
  const timeoutMs = options.timeoutMs ?? 600_000;
  const idleMs = options.idleTimeoutMs ?? 300_000;
  const log = options.log ?? ((line: string) => console.error(line));
  // Upstreams as requests go to them and as records show them, worked out once.
  const upstreams = upstreamsOf(options);
  const upstreamPrefixes = mapValues(upstreams, upstreamPrefix);
  const shownUpstream = mapValues(upstreams, redactUrl);
  // One periodic check watches every call's wait for the upstream's headers (timeout, client gone).
  const waits = new Waits(timeoutMs);
  // And another watches every response body: no byte for the idle timeout, or client gone.
  const idle = new Waits(idleMs);
  // WebSocket sessions being relayed, each with how to close it.
  const sockets = new Set<() => void>();

  const proxy = async function proxy(
    request: Request,
    url = new URL(request.url),
  ): Promise<Response> {
    // llmprof is a base URL, not a forward proxy: a tunnel request is refused, not forwarded.
    if (request.method === "CONNECT") {
      return new Response("llmprof is not a forward proxy: set your client's base URL to it.\n", {
        status: 405,
        headers: { allow: "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS" },
      });
    }
    const startedAt = Date.now();
    const t0 = performance.now();
    const route = matchEndpoint(request.method, url.pathname, request.headers);
    const target = upstreamPrefixes[route.upstream] + url.pathname + url.search;
    const id = newCallId(startedAt);
    // Only error paths need the redacted target; it is not worked out on the request path.
    const where = () => redactUrl(new URL(target));
    // Runtime errors quote the URL they failed on, query and all: every message passes through here.
    const scrub = (text: string) =>
      text.replaceAll(new URL(target).href, target).replaceAll(target, where());

    const record = (fields: Partial<CapturedCall>): void => {
      options.sink.submit({
        id,
        startedAt,
        method: request.method,
        path: url.pathname,
        query: redactQuery(url.search),
        api: route.api,
        provider: route.provider,
        upstream: shownUpstream[route.upstream],
        requestHeaders: redactHeaders(request.headers),
        requestBody: null,
        requestBytes: 0,
        status: 0,
        responseHeaders: {},
        responseBody: null,
        responseBytes: 0,
        ttfbMs: null,
        durationMs: performance.now() - t0,
        clientAborted: false,
        error: null,
        ...fields,
      });
    };

    // A 400 in the provider's shape for a request body that ended before its framing said.
    const badRequestBody = (error: unknown, sent?: CapturedBody): Response => {
      const reason = `the request body ended early or was malformed (${
        errorMessage(error)
      }): check the client's Content-Length or chunked encoding`;
      record({
        requestBytes: sent?.total ?? 0,
        status: 400,
        error: reason,
      });
      return clientErrorResponse(route.provider, `llmprof could not read ${reason}.`);
    };

    if (isWebSocketUpgrade(request)) {
      const relayed = await relayWebSocket(request, target, { open: sockets, onEnd: record });
      if (relayed instanceof Response) return relayed;
      const reason = `could not open a WebSocket to ${where()}: ${scrub(relayed.error)}`;
      record({ status: 502, unsent: true, error: reason });
      return upstreamErrorResponse(route.provider, `llmprof ${reason}.`);
    }

    const aborter = new AbortController();
    const end = (why: WaitEnd) => aborter.abort(abortReason(why));
    const wait = waits.watch(request.signal, end);

    let forwarded: ForwardBody;
    try {
      forwarded = await readRequestBody(request, cap);
    } catch (error) {
      wait.done();
      return badRequestBody(error);
    }
    let upstream: UpstreamResponse;
    try {
      upstream = await sendUpstream(target, {
        method: request.method,
        headers: requestHeadersForUpstream(request.headers),
        body: forwarded.body,
        signal: aborter.signal,
      });
    } catch (error) {
      wait.done();
      const sent = await forwarded.captured;
      if (sent.error) return badRequestBody(sent.error, sent);
      const clientAborted = request.signal.aborted;
      const reason = clientAborted
        ? "client disconnected before the upstream answered"
        : scrub(describeSendError(error, aborter.signal, timeoutMs));
      if (!clientAborted) log(`llmprof: could not reach the upstream ${where()}: ${reason}`);
      record({
        requestBody: route.recognised ? sent.bytes : null,
        requestBytes: sent.total,
        status: clientAborted ? 499 : 502,
        clientAborted,
        // A request the upstream may have seen (the client left, no headers came in time,
        // shutdown ended it) may be billed; one that could not be delivered was not.
        unsent: !clientAborted && !aborter.signal.aborted,
        error: clientAborted ? reason : `could not reach the upstream ${where()}: ${reason}`,
      });
      return upstreamErrorResponse(
        route.provider,
        `llmprof could not reach the upstream ${where()}: ${reason}. Check --upstream / --anthropic-upstream and your network.`,
      );
    }
    wait.done();

    // Ours replaces any call id the upstream sent (another llmprof in front of the provider).
    const headers = responseHeadersForClient(
      upstream.headers,
      route.recognised ? [CALL_ID_HEADER, id] : undefined,
    );
    const finish = async (
      body: { bytes: Uint8Array | null; total: number },
      firstChunkAt: number | null,
      cancelled: boolean,
      error: unknown,
      status = upstream.status,
    ) => {
      const sent = await forwarded.captured;
      const over = route.recognised && (sent.total > cap || body.total > cap);
      record({
        requestBody: route.recognised ? sent.bytes : null,
        requestBytes: sent.total,
        status,
        responseHeaders: redactHeaders(headers),
        responseBody: route.recognised ? body.bytes : null,
        responseBytes: body.total,
        ttfbMs: firstChunkAt === null ? null : firstChunkAt - t0,
        durationMs: performance.now() - t0,
        clientAborted: cancelled,
        error: error
          ? `upstream stream failed: ${scrub(bodyErrorMessage(error, aborter.signal, idleMs))}`
          : over
          ? `body over the ${cap} byte capture cap: analysis skipped`
          : null,
      });
    };

    if (upstream.body === null) {
      queueMicrotask(() => finish({ bytes: new Uint8Array(0), total: 0 }, null, false, null));
      return new Response(null, { status: upstream.status, headers });
    }
    // No statusText: Deno.serve sends the standard reason phrase whatever it is given, and
    // passing one costs a slower response path.
    const init = { status: upstream.status, headers };
    if (!route.recognised) {
      // Not analysed: hand the upstream body straight to the client.
      const length = Number(upstream.headers.get("content-length") ?? 0);
      queueMicrotask(() =>
        finish({ bytes: null, total: Number.isFinite(length) ? length : 0 }, null, false, null)
      );
      return new Response(upstream.body.stream(), init);
    }
    // An encoded body goes to the client as it came; one that only claims to be encoded is
    // found at its first bytes, before answering, while a 502 can still be sent.
    const encoding = encodingOf(upstream.headers.get("content-encoding"));
    const notEncoded = async (start: Uint8Array | null) => {
      const problem = encoding && start ? await encodingProblem(encoding, start) : null;
      if (problem === null) return null;
      const message = `${encoding} body that could not be decoded`;
      await finish({ bytes: null, total: 0 }, null, false, `${message}: ${problem}`, 502);
      return upstreamErrorResponse(
        route.provider,
        `llmprof got a ${message} from ${where()}: ${scrub(problem)}.`,
      );
    };
    const watch = idle.watch(request.signal, end);
    const length = Number(valueOf(headers, "content-length") ?? NaN);
    if (Number.isFinite(length) && length <= cap && !isEventStream(upstream.headers)) {
      // A JSON body of known size: read it whole and send the same bytes. The client cannot use
      // half a JSON document, and a byte body keeps Deno's fast path (a JS stream halves req/s).
      let bytes: Uint8Array<ArrayBuffer>;
      try {
        bytes = await upstream.body.readWhole(length, watch);
      } catch (error) {
        watch.done();
        const cancelled = request.signal.aborted;
        await finish(
          { bytes: null, total: 0 },
          null,
          cancelled,
          cancelled ? null : error,
          cancelled ? 499 : 502,
        );
        return upstreamErrorResponse(
          route.provider,
          `llmprof lost the upstream response from ${where()}: ${
            scrub(bodyErrorMessage(error, aborter.signal, idleMs))
          }.`,
        );
      }
      watch.done();
      const arrived = performance.now();
      const refused = await notEncoded(bytes);
      if (refused) return refused;
      const gone = request.signal.aborted;
      queueMicrotask(() => finish({ bytes, total: bytes.byteLength }, arrived, gone, null));
      return new Response(bytes, init);
    }
    const tapped: TapOptions = {
      cap,
      onChunk: () => watch.touch(),
      onEnd: (ended) => {
        watch.done();
        if (ended.cancelled) aborter.abort();
        finish(ended.body, ended.firstChunkAt, ended.cancelled, ended.error);
      },
    };
    // The upstream's stream notes each chunk as it arrives: no second JS stream per chunk.
    if (!encoding) return new Response(upstream.body.stream(new Tap(tapped)), init);
    let source = upstream.body.stream();
    let first: Uint8Array | null;
    try {
      ({ first, stream: source } = await primed(source));
    } catch (error) {
      first = null;
      source = new ReadableStream({ start: (controller) => controller.error(error) });
    }
    const refused = await notEncoded(first);
    if (refused) {
      watch.done();
      source.cancel().catch(() => {});
      return refused;
    }
    return new Response(tapStream(source, tapped), init);
  };

  return Object.assign(proxy, {
    endOpen: () => {
      waits.endAll("shutdown");
      idle.endAll("shutdown");
      for (const close of [...sockets]) close();
    },
  });
}

/** Every upstream by name, defaults filled in. */
function upstreamsOf(options: ProxyOptions): Record<UpstreamName, URL> {
  return {
    openai: options.upstream,
    anthropic: options.anthropicUpstream,
    gemini: options.geminiUpstream ?? new URL("https://generativelanguage.googleapis.com"),
    vertex: options.vertexUpstream ?? new URL("https://aiplatform.googleapis.com"),
    azure: options.azureUpstream ?? options.upstream,
  };
}

function mapValues<T>(
  upstreams: Record<UpstreamName, URL>,
  fn: (url: URL) => T,
): Record<UpstreamName, T> {
  return Object.fromEntries(
    Object.entries(upstreams).map(([name, url]) => [name, fn(url)]),
  ) as Record<UpstreamName, T>;
}

function valueOf(headers: HeaderPairs, name: string): string | undefined {
  return headers.find(([key]) => key === name)?.[1];
}

function isEventStream(headers: Headers): boolean {
  return headers.get("content-type")?.toLowerCase().startsWith("text/event-stream") ?? false;
}

/** Why a watched wait aborts the upstream request. */
function abortReason(why: WaitEnd): DOMException {
  if (why === "timeout") return new DOMException("upstream timed out", "TimeoutError");
  if (why === "shutdown") {
    return new DOMException("llmprof shut down while the call was open", "AbortError");
  }
  return new DOMException("client disconnected", "AbortError");
}

/** What went wrong reading a response body: the idle timeout and shutdown say so, not "aborted". */
function bodyErrorMessage(error: unknown, signal: AbortSignal, idleMs: number): string {
  const reason = signal.reason;
  if (signal.aborted && reason instanceof DOMException) {
    if (reason.name === "TimeoutError") return `the upstream sent nothing for ${idleMs / 1000} s`;
    return reason.message;
  }
  return errorMessage(error);
}

function timedOut(signal: AbortSignal): boolean {
  return signal.aborted && signal.reason instanceof DOMException &&
    signal.reason.name === "TimeoutError";
}

function describeSendError(error: unknown, signal: AbortSignal, timeoutMs: number): string {
  if (timedOut(signal)) {
    return `no response within ${Math.round(timeoutMs / 1000)} s`;
  }
  return errorMessage(error);
}

function errorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause.message : "";
  return cause && !error.message.includes(cause) ? `${error.message} (${cause})` : error.message;
}
