// The main thread imports no tokenizer and no price catalogue: those load in the workers.
import type { Analysis } from "./analysis/analyze.ts";
import { baseRecord, joinErrors } from "./analysis/base_record.ts";
import { CrossCallFindings } from "./analysis/cross_call.ts";
import { AnalysisPool } from "./analysis/pool.ts";
import { SessionChainer } from "./analysis/sessions.ts";
import { createApp } from "./app.ts";
import type { Config } from "./cli/config.ts";
import { loadOverrides, type Overrides } from "./pricing/overrides.ts";
import { type CapturedCall, CaptureQueue, type CaptureSink, pointsAtSelf } from "./proxy/mod.ts";
import { type BaseStore, openStore, StoreWriter } from "./store/mod.ts";
import { VERSION } from "./version.ts";

/** A running llmprof: its address, its parts and how to stop it. */
export interface Llmprof {
  /** Base URL it listens on, e.g. http://127.0.0.1:4000 */
  url: string;
  port: number;
  queue: CaptureQueue;
  pool: AnalysisPool;
  store: BaseStore;
  writer: StoreWriter;
  /** Stops accepting, lets in-flight calls finish, analyses what is queued, writes it; resolves to the calls that could not be written. */
  shutdown(): Promise<number>;
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
  /** Milliseconds shutdown lets open calls finish before it ends them. Default 10 s. */
  graceMs?: number;
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
export async function startLlmprof(config: Config, options: StartOptions = {}): Promise<Llmprof> {
  const log = options.log ?? ((line: string) => console.error(line));
  const overrides: Overrides = config.pricing === null ? {} : await loadOverrides(config.pricing);
  const store = await openStore(config.db);
  const writer = new StoreWriter(store, { flushMs: options.flushMs, log });
  const queue = new CaptureQueue();
  const chainer = new SessionChainer(store, { log });
  const crossCall = new CrossCallFindings();
  // A reset (`llmprof reset`, perhaps from another process) empties the store: what chaining
  // and findings remember of earlier calls goes too, checked once a second off the request path.
  let lastReset = await store.lastReset().catch(() => 0);
  let checkingReset = false;
  const resetWatch = setInterval(async () => {
    if (checkingReset) return;
    checkingReset = true;
    const at = await store.lastReset().catch(() => lastReset);
    checkingReset = false;
    if (at === lastReset) return;
    lastReset = at;
    chainer.forget();
    crossCall.forget();
    log("llmprof: the store was reset; runs start afresh.");
  }, 1_000);
  Deno.unrefTimer(resetWatch);
  const pool = new AnalysisPool(queue, {
    workers: options.workers,
    overrides,
    onResult: async (analysis) => {
      const { record } = analysis;
      if (analysis.chain.length > 0 || analysis.sessionHeader || analysis.previousResponseId) {
        record.session = await chainer.assign({
          callId: record.id,
          prefixes: analysis.chain,
          loose: analysis.looseChain,
          sessionHeader: analysis.sessionHeader,
          previousResponseId: analysis.previousResponseId,
          responseId: record.response?.id ?? null,
        });
      }
      crossCall.add(record, analysis.facts);
      writer.write({
        record,
        request: analysis.request,
        endHash: analysis.chain.at(-1) ?? null,
        looseHash: analysis.looseChain.at(-1) ?? null,
      });
      options.onRecord?.(analysis);
    },
  });
  // Every call is written as the proxy saw it the moment it ends, so a crash or a full
  // analysis queue loses no call; its analysed record replaces that row later.
  const sink: CaptureSink = {
    submit(call: CapturedCall): boolean {
      const queued = queue.submit(call);
      const error = queued
        ? call.error
        : joinErrors(call.error, "not analysed: the analysis queue was full");
      writer.write({ record: baseRecord(call, error), request: null, analysed: false });
      return queued;
    },
  };
  const handler = createApp({
    upstream: config.upstream,
    anthropicUpstream: config.anthropicUpstream,
    sink,
    timeoutMs: config.timeoutMs,
    idleTimeoutMs: config.idleTimeoutMs,
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
  if (options.analyse !== false) pool.start();
  const shown = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  const drainMs = options.drainMs ?? 5_000;
  const graceMs = options.graceMs ?? 10_000;
  // Open calls get a grace period; then they are ended (and recorded as ended). Shutdown runs once.
  let stopping: Promise<number> | undefined;
  const stop = async () => {
    clearInterval(resetWatch);
    const stopped = server.shutdown();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const graceOver = new Promise<boolean>((r) => timer = setTimeout(() => r(true), graceMs));
    if (await Promise.race([stopped.then(() => false), graceOver])) {
      log(`llmprof: ended the calls still open after a ${graceMs / 1000} s grace period.`);
      handler.endOpen();
    }
    clearTimeout(timer);
    await stopped;
    if (options.analyse === false) queue.close();
    else if (!await pool.stop(drainMs)) {
      log(`llmprof: stopped with ${queue.pending} calls not analysed.`);
    }
    return await writer.close(drainMs);
  };
  return {
    url: `http://${shown.includes(":") ? `[${shown}]` : shown}:${port}`,
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
