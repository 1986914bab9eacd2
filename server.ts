import { type Analysis, AnalysisPool } from "./analysis/mod.ts";
import { createApp } from "./app.ts";
import type { Config } from "./cli/config.ts";
import { CaptureQueue } from "./proxy/mod.ts";
import { VERSION } from "./version.ts";

/** A running llmprof: its address, its queue and how to stop it. */
export interface Llmprof {
  /** Base URL it listens on, e.g. http://127.0.0.1:4000 */
  url: string;
  port: number;
  queue: CaptureQueue;
  pool: AnalysisPool;
  /** Stops accepting, lets in-flight calls finish, drains the queue. */
  shutdown(): Promise<void>;
}

/** Options for {@linkcode startLlmprof}. */
export interface StartOptions {
  /** Where operational messages go. Default console.error. */
  log?: (line: string) => void;
  /** Most body bytes captured per direction. Default 32 MiB. */
  captureCap?: number;
  /** Receives every analysed call. */
  onRecord?: (analysis: Analysis) => void;
  /** Run the analysis pool (default true); tests of the proxy alone read the queue instead. */
  analyse?: boolean;
  /** Analysis workers. Default: cores less one. */
  workers?: number;
  /** Milliseconds shutdown waits for queued calls to be analysed. Default 5 s. */
  drainMs?: number;
}

/** The listening port is taken by someone else. */
export class PortInUseError extends Error {
  override name = "PortInUseError";
}

/** Starts the proxy, pages and API on the configured address. */
export function startLlmprof(config: Config, options: StartOptions = {}): Llmprof {
  const queue = new CaptureQueue();
  const pool = new AnalysisPool(queue, {
    workers: options.workers,
    onResult: (analysis) => options.onRecord?.(analysis),
  });
  const handler = createApp({
    upstream: config.upstream,
    anthropicUpstream: config.anthropicUpstream,
    sink: queue,
    timeoutMs: config.timeoutMs,
    log: options.log,
    captureCap: options.captureCap,
    context: {
      version: VERSION,
      queue: () => queue.stats(),
      analysis: () => pool.stats(),
      store: () => Promise.resolve({ kind: "none", ok: true }),
    },
  });
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({ hostname: config.host, port: config.port, onListen() {} }, handler);
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      throw new PortInUseError(
        `Port ${config.port} on ${config.host} is already in use: stop the other process or pass --port.`,
      );
    }
    throw error;
  }
  if (options.analyse !== false) pool.start();
  const { port } = server.addr;
  const shown = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  return {
    url: `http://${shown.includes(":") ? `[${shown}]` : shown}:${port}`,
    port,
    queue,
    pool,
    async shutdown() {
      await server.shutdown();
      const drained = options.analyse === false
        ? (queue.close(), true)
        : await pool.stop(options.drainMs ?? 5_000);
      if (!drained) {
        (options.log ?? console.error)(
          `llmprof: stopped with ${queue.pending} calls not analysed.`,
        );
      }
    },
  };
}
