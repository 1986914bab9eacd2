import type { CapturedCall, CaptureSink } from "../core/call.ts";
import { tapStream } from "./capture.ts";
import { newCallId } from "./call_id.ts";
import { Waits } from "./waits.ts";
import { redactHeaders, redactQuery, redactUrl } from "../core/redact.ts";
import {
  type HeaderPairs,
  requestHeadersForUpstream,
  responseHeadersForClient,
} from "./headers.ts";
import { readRequestBody } from "./request_body.ts";
import { matchEndpoint, type UpstreamName, upstreamPrefix } from "./endpoints.ts";
import { upstreamErrorResponse } from "./upstream_error.ts";

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
  /** Where operational messages go (never secrets). Default console.error. */
  log?: (line: string) => void;
}

/** Response header naming the call's id in llmprof. */
export const CALL_ID_HEADER = "x-llmprof-call-id";

const DEFAULT_CAP = 32 * 1024 * 1024;

/** Forwards a request upstream and captures the exchange; `url` is the request's, when already parsed. */
export type ProxyHandler = (request: Request, url?: URL) => Promise<Response>;

/** A fetch-style handler that forwards a request upstream and captures the exchange. */
export function createProxy(options: ProxyOptions): ProxyHandler {
  const cap = options.captureCap ?? DEFAULT_CAP;
  const timeoutMs = options.timeoutMs ?? 600_000;
  const log = options.log ?? ((line: string) => console.error(line));
  // Upstreams as requests go to them and as records show them, worked out once.
  const upstreams = upstreamsOf(options);
  const upstreamPrefixes = mapValues(upstreams, upstreamPrefix);
  const shownUpstream = mapValues(upstreams, redactUrl);
  // One periodic check watches every call's wait for the upstream's headers (timeout, client gone).
  const waits = new Waits(timeoutMs);

  return async function proxy(request: Request, url = new URL(request.url)): Promise<Response> {
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

    const aborter = new AbortController();
    const wait = waits.watch(request.signal, (why) =>
      aborter.abort(
        why === "timeout"
          ? new DOMException("upstream timed out", "TimeoutError")
          : new DOMException("client disconnected", "AbortError"),
      ));

    const forwarded = await readRequestBody(request, cap);
    let upstream: Response;
    try {
      upstream = await fetch(target, {
        method: request.method,
        headers: requestHeadersForUpstream(request.headers),
        body: forwarded.body,
        redirect: "manual",
        signal: aborter.signal,
      });
    } catch (error) {
      wait.done();
      const sent = await forwarded.captured;
      const clientAborted = request.signal.aborted;
      const reason = clientAborted
        ? "client disconnected before the upstream answered"
        : scrub(describeFetchError(error, aborter.signal, timeoutMs));
      if (!clientAborted) log(`llmprof: could not reach the upstream ${where()}: ${reason}`);
      record({
        requestBody: route.recognised ? sent.bytes : null,
        requestBytes: sent.total,
        status: clientAborted ? 499 : 502,
        clientAborted,
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
    ) => {
      const sent = await forwarded.captured;
      const over = route.recognised && (sent.bytes === null || body.bytes === null);
      record({
        requestBody: route.recognised ? sent.bytes : null,
        requestBytes: sent.total,
        status: upstream.status,
        responseHeaders: redactHeaders(headers),
        responseBody: route.recognised ? body.bytes : null,
        responseBytes: body.total,
        ttfbMs: firstChunkAt === null ? null : firstChunkAt - t0,
        durationMs: performance.now() - t0,
        clientAborted: cancelled,
        error: error
          ? `upstream stream failed: ${scrub(errorMessage(error))}`
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
      // Not analysed: hand the upstream body straight to the client (Deno's native fast path).
      const length = Number(upstream.headers.get("content-length") ?? 0);
      queueMicrotask(() =>
        finish({ bytes: null, total: Number.isFinite(length) ? length : 0 }, null, false, null)
      );
      return new Response(upstream.body, init);
    }
    const length = Number(valueOf(headers, "content-length") ?? NaN);
    if (Number.isFinite(length) && length <= cap && !isEventStream(upstream.headers)) {
      // A JSON body of known size: read it whole and send the same bytes. The client cannot use
      // half a JSON document, and a byte body keeps Deno's fast path (a JS stream halves req/s).
      let bytes: Uint8Array<ArrayBuffer>;
      try {
        bytes = new Uint8Array(await upstream.arrayBuffer());
      } catch (error) {
        const cancelled = request.signal.aborted;
        await finish({ bytes: null, total: 0 }, null, cancelled, cancelled ? null : error);
        return upstreamErrorResponse(
          route.provider,
          `llmprof lost the upstream response from ${where()}: ${scrub(errorMessage(error))}.`,
        );
      }
      const arrived = performance.now();
      const gone = request.signal.aborted;
      queueMicrotask(() => finish({ bytes, total: bytes.byteLength }, arrived, gone, null));
      return new Response(bytes, init);
    }
    const body = tapStream(upstream.body, {
      cap,
      onEnd: (end) => {
        if (end.cancelled) aborter.abort();
        finish(end.body, end.firstChunkAt, end.cancelled, end.error);
      },
    });
    return new Response(body, init);
  };
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

function describeFetchError(error: unknown, signal: AbortSignal, timeoutMs: number): string {
  if (
    signal.aborted && signal.reason instanceof DOMException && signal.reason.name === "TimeoutError"
  ) {
    return `no response within ${Math.round(timeoutMs / 1000)} s`;
  }
  return errorMessage(error);
}

function errorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause.message : "";
  return cause && !error.message.includes(cause) ? `${error.message} (${cause})` : error.message;
}
