// The main thread imports no tokenizer and no price catalogue: those load in the workers.
import { type App, createApp } from "./app.ts";
import { LOCAL_PREFIX } from "./core/paths.ts";
import { VERSION } from "./core/version.ts";
import { Ingest, type WriterView } from "./pipeline/ingest.ts";
import type { RecordedCall } from "./pipeline/recorder.ts";
import { CallEvents } from "./pipeline/call_events.ts";
import { releaseWhenQuiet } from "./core/quiet_watch.ts";
import { splitStoredRequests, startRetention } from "./pipeline/upkeep.ts";
import type { AnalysisPool } from "./pipeline/pool.ts";
import type { CaptureQueue } from "./pipeline/queue.ts";
import type { Privacy } from "./core/record.ts";
import { loadOverrides, type Overrides } from "./pricing/overrides.ts";
import { pointsAtSelf } from "./proxy/mod.ts";
import type { BaseStore } from "./store/mod.ts";

/** What a server is started with; the CLI's configuration is one. */
export interface ServerConfig {
  host: string;
  port: number;
  /** OpenAI-compatible upstream base URL. */
  upstream: URL;
  /** Anthropic upstream base URL. */
  anthropicUpstream: URL;
  /** Gemini API upstream; default https://generativelanguage.googleapis.com. */
  geminiUpstream?: URL;
  /** Vertex AI upstream; default https://aiplatform.googleapis.com. */
  vertexUpstream?: URL;
  /** Azure OpenAI upstream (the resource); default `upstream`. */
  azureUpstream?: URL;
  /** Store URL: `sqlite:<file>` or `postgres://…`. */
  db: string;
  /** Path of a price-override JSON file, or null. */
  pricing: string | null;
  /** Milliseconds to wait for an upstream's response headers. */
  timeoutMs: number;
  /** Milliseconds a response body may go without a byte before the call is ended. */
  idleTimeoutMs: number;
  /** Where to send OpenTelemetry spans (OTLP/HTTP traces URL and headers), or null. */
  otlp?: { endpoint: URL; headers: Record<string, string> } | null;
  /** Extra Host names llmprof's own pages and API answer to (--allowed-host). */
  allowedHosts: string[];
  /** Extra browser origins that may send requests to proxied paths (--allowed-origin). */
  allowedOrigins: string[];
  /** The token every `/_llmprof/…` request needs, or null (loopback only). */
  token: string | null;
  /** What is stored of each prompt and response. */
  privacy: Privacy;
  /** Days to keep calls (older ones are pruned in the background); null or absent keeps everything. */
  retainDays?: number | null;
}

/** A running llmprof: its address, its parts and how to stop it. */
export interface Llmprof {
  /** Base URL it listens on, e.g. http://127.0.0.1:4000 */
  url: string;
  /** Every base URL it can be reached at: one per interface when bound to all of them. */
  addresses: string[];
  port: number;
  queue: CaptureQueue;
  pool: AnalysisPool;
  store: BaseStore;
  /** The store's writer, on the store's thread: its counts and a flush. */
  writer: WriterView;
  /** Stops accepting, lets in-flight calls finish, analyses what is queued, writes it; resolves to the calls that could not be written. */
  shutdown(): Promise<number>;
}

/** Options for {@linkcode startLlmprof}. */
export interface StartOptions {
  /** Where operational messages go. Default console.error. */
  log?: (line: string) => void;
  /** Most body bytes captured per direction. Default 32 MiB. */
  captureCap?: number;
  /** Also receives every recorded call. */
  onRecord?: (call: RecordedCall) => void;
  /** Run the analysis pool (default true); tests of the proxy alone read the queue instead. */
  analyse?: boolean;
  /** Analysis workers. Default: cores less one. */
  workers?: number;
  /** Milliseconds shutdown waits for queued calls to be analysed, and again to be written. Default 5 s. */
  drainMs?: number;
  /** Milliseconds between store writes. Default 100. */
  flushMs?: number;
  /** Milliseconds shutdown lets open calls finish before it ends them. Default 10 s. */
  graceMs?: number;
}

function anyAddress(host: string): boolean {
  return host === "0.0.0.0" || host === "::" || host === "[::]";
}

/** This machine's addresses, loopback first; only loopback when they cannot be read. */
function interfaceAddresses(): string[] {
  try {
    const found = Deno.networkInterfaces().filter((i) => i.family === "IPv4").map((i) => i.address);
    return [...new Set(["127.0.0.1", ...found])];
  } catch {
    return ["127.0.0.1"];
  }
}

/** The listening port is taken by someone else. */
export class PortInUseError extends Error {
  override name = "PortInUseError";
}

/** An upstream points back at llmprof itself, which would loop every request. */
export class UpstreamLoopError extends Error {
  override name = "UpstreamLoopError";
}

/** Opens the store, then starts the proxy, pages and API on the configured address. */
export async function startLlmprof(
  config: ServerConfig,
  options: StartOptions = {},
): Promise<Llmprof> {
  const log = options.log ?? ((line: string) => console.error(line));
  const overrides: Overrides = config.pricing === null ? {} : await loadOverrides(config.pricing);
  // Loaded only when a collector is configured: the OpenTelemetry SDK stays off a plain start.
  const otlp = config.otlp
    ? new (await import("./export/otlp.ts")).OtlpExporter({ ...config.otlp, log })
    : null;
  const events = new CallEvents();
  const onRecord = options.onRecord;
  const ingest = await Ingest.open(config.db, {
    log,
    events,
    overrides,
    privacy: config.privacy,
    workers: options.workers,
    flushMs: options.flushMs,
    // Records cross back from the store's thread only when someone here reads them.
    onRecord: otlp || onRecord
      ? (call) => {
        otlp?.add(call.record);
        onRecord?.(call);
      }
      : undefined,
  });
  const { queue, pool, writer, store } = ingest;
  const app = (port: number) =>
    createApp({
      upstream: config.upstream,
      anthropicUpstream: config.anthropicUpstream,
      geminiUpstream: config.geminiUpstream,
      vertexUpstream: config.vertexUpstream,
      azureUpstream: config.azureUpstream,
      sink: ingest,
      timeoutMs: config.timeoutMs,
      idleTimeoutMs: config.idleTimeoutMs,
      log,
      captureCap: options.captureCap,
      context: {
        version: VERSION,
        store,
        queue: () => queue.stats(),
        analysis: () => ingest.analysisStats(),
        writer: () => writer.stats(),
        otlp: otlp ? () => otlp.stats() : undefined,
        events,
      },
      guard: {
        host: config.host,
        port,
        interfaces: anyAddress(config.host) ? interfaceAddresses() : [],
        allowedHosts: config.allowedHosts,
        allowedOrigins: config.allowedOrigins,
        token: config.token,
      },
    });
  // The guard's allowed Hosts name the port, known only once listening (--port 0).
  let handler: App | null = null;
  const starting = () => new Response("llmprof is starting", { status: 503 });
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve(
      { hostname: config.host, port: config.port, onListen() {} },
      (request) => handler === null ? starting() : handler(request),
    );
  } catch (error) {
    await store.close();
    if (error instanceof Deno.errors.AddrInUse) {
      throw new PortInUseError(
        `Port ${config.port} on ${config.host} is already in use: stop the other process or pass --port.`,
      );
    }
    throw error;
  }
  const { port } = server.addr;
  const ready = handler = app(port);
  const upstreams: Array<[string, URL | undefined]> = [
    ["--upstream", config.upstream],
    ["--anthropic-upstream", config.anthropicUpstream],
    ["--gemini-upstream", config.geminiUpstream],
    ["--vertex-upstream", config.vertexUpstream],
    ["--azure-upstream", config.azureUpstream],
  ];
  for (const [flag, upstream] of upstreams) {
    if (upstream === undefined) continue;
    if (pointsAtSelf(upstream, { host: config.host, port })) {
      await server.shutdown();
      await store.close();
      throw new UpstreamLoopError(
        `The upstream ${upstream.href} is llmprof itself (${config.host}:${port}): point ${flag} at the provider.`,
      );
    }
  }
  if (options.analyse !== false) ingest.start();
  // Calls stored before blocks are converted in the background, a batch at a time.
  const stopConverting = new AbortController();
  const converted = splitStoredRequests(store, { log, signal: stopConverting.signal }).catch((
    error,
  ) => log(`llmprof: could not store earlier prompts as blocks: ${(error as Error).message}`));
  // Once a load has ended, what the runtime freed goes back to the system.
  const releasing = releaseWhenQuiet(() =>
    queue.stats().accepted + pool.stats().analysed + writer.stats().written
  );
  const retention = config.retainDays ? startRetention(store, config.retainDays, { log }) : null;
  const shown = anyAddress(config.host) ? "127.0.0.1" : config.host;
  const base = (host: string) => `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  const url = base(shown);
  // `llmprof traces` names this dashboard; a store that cannot record it still takes calls.
  await store.recordInstance({
    address: `${url}${LOCAL_PREFIX}/`,
    started_at: new Date().toISOString(),
  })
    .catch((error) =>
      log(`llmprof: could not record this instance's address in the store: ${error.message}`)
    );
  const drainMs = options.drainMs ?? 5_000;
  const graceMs = options.graceMs ?? 10_000;
  // Open calls get a grace period; then they are ended (and recorded as ended). Shutdown runs once.
  let stopping: Promise<number> | undefined;
  const stop = async () => {
    const stopped = server.shutdown();
    // Open event streams would hold the shutdown for the whole grace period.
    events.close();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const graceOver = new Promise<boolean>((r) => timer = setTimeout(() => r(true), graceMs));
    if (await Promise.race([stopped.then(() => false), graceOver])) {
      log(`llmprof: ended the calls still open after a ${graceMs / 1000} s grace period.`);
      ready.endOpen();
    }
    clearTimeout(timer);
    await stopped;
    retention?.stop();
    releasing();
    stopConverting.abort();
    await converted;
    const unwritten = await ingest.stop(drainMs, { analysed: options.analyse !== false });
    if (otlp && !await otlp.close(drainMs)) {
      log(`llmprof: stopped with ${otlp.stats().pending} spans not sent to the collector.`);
    }
    return unwritten;
  };
  return {
    url,
    addresses: anyAddress(config.host) ? interfaceAddresses().map(base) : [url],
    port,
    queue,
    pool,
    store,
    writer,
    shutdown() {
      stopping ??= stop();
      return stopping;
    },
  };
}
