// The main thread imports no tokenizer and no price catalogue: those load in the workers.
import type { Analysis } from "./analysis/analysis.ts";
import { createApp } from "./app.ts";
import { VERSION } from "./core/version.ts";
import { Ingest } from "./pipeline/ingest.ts";
import { splitStoredRequests, startRetention } from "./pipeline/upkeep.ts";
import type { AnalysisPool } from "./pipeline/pool.ts";
import type { CaptureQueue } from "./pipeline/queue.ts";
import { loadOverrides, type Overrides } from "./pricing/overrides.ts";
import { pointsAtSelf } from "./proxy/mod.ts";
import { type BaseStore, openStore, type StoreWriter } from "./store/mod.ts";

/** What a server is started with; the CLI's configuration is one. */
export interface ServerConfig {
  host: string;
  port: number;
  /** OpenAI-compatible upstream base URL. */
  upstream: URL;
  /** Anthropic upstream base URL. */
  anthropicUpstream: URL;
  /** Store URL: `sqlite:<file>` or `postgres://…`. */
  db: string;
  /** Path of a price-override JSON file, or null. */
  pricing: string | null;
  /** Milliseconds to wait for an upstream's response headers. */
  timeoutMs: number;
  /** Days to keep calls (older ones are pruned in the background); null or absent keeps everything. */
  retainDays?: number | null;
}

/** A running llmprof: its address, its parts and how to stop it. */
export interface Llmprof {
  /** Base URL it listens on, e.g. http://127.0.0.1:4000 */
  url: string;
  port: number;
  queue: CaptureQueue;
  pool: AnalysisPool;
  store: BaseStore;
  writer: StoreWriter;
  /** Stops accepting, lets in-flight calls finish, analyses what is queued, writes it. */
  shutdown(): Promise<void>;
}

/** Options for {@linkcode startLlmprof}. */
export interface StartOptions {
  /** Where operational messages go. Default console.error. */
  log?: (line: string) => void;
  /** Most body bytes captured per direction. Default 32 MiB. */
  captureCap?: number;
  /** Also receives every analysed call. */
  onRecord?: (analysis: Analysis) => void;
  /** Run the analysis pool (default true); tests of the proxy alone read the queue instead. */
  analyse?: boolean;
  /** Analysis workers. Default: cores less one. */
  workers?: number;
  /** Milliseconds shutdown waits for queued calls to be analysed, and again to be written. Default 5 s. */
  drainMs?: number;
  /** Milliseconds between store writes. Default 100. */
  flushMs?: number;
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
  const store = await openStore(config.db);
  const ingest = new Ingest(store, {
    log,
    overrides,
    workers: options.workers,
    flushMs: options.flushMs,
    onRecord: options.onRecord,
  });
  const { queue, pool, writer } = ingest;
  const handler = createApp({
    upstream: config.upstream,
    anthropicUpstream: config.anthropicUpstream,
    sink: ingest,
    timeoutMs: config.timeoutMs,
    log,
    captureCap: options.captureCap,
    context: {
      version: VERSION,
      store,
      queue: () => queue.stats(),
      analysis: () => pool.stats(),
      writer: () => writer.stats(),
    },
  });
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({ hostname: config.host, port: config.port, onListen() {} }, handler);
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
  for (
    const [flag, upstream] of [["--upstream", config.upstream], [
      "--anthropic-upstream",
      config.anthropicUpstream,
    ]] as const
  ) {
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
  const retention = config.retainDays ? startRetention(store, config.retainDays, { log }) : null;
  const shown = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  const drainMs = options.drainMs ?? 5_000;
  return {
    url: `http://${shown.includes(":") ? `[${shown}]` : shown}:${port}`,
    port,
    queue,
    pool,
    store,
    writer,
    async shutdown() {
      await server.shutdown();
      retention?.stop();
      stopConverting.abort();
      await converted;
      await ingest.stop(drainMs, { analysed: options.analyse !== false });
    },
  };
}
