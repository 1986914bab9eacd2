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
  /** Stops accepting, lets in-flight calls finish, drains the queue. */
  shutdown(): Promise<void>;
}

/** Options for {@linkcode startLlmprof}. */
export interface StartOptions {
  /** Where operational messages go. Default console.error. */
  log?: (line: string) => void;
  /** Most body bytes captured per direction. Default 32 MiB. */
  captureCap?: number;
}

/** The listening port is taken by someone else. */
export class PortInUseError extends Error {
  override name = "PortInUseError";
}

/** Starts the proxy, pages and API on the configured address. */
export function startLlmprof(config: Config, options: StartOptions = {}): Llmprof {
  const queue = new CaptureQueue();
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
  const { port } = server.addr;
  const shown = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  return {
    url: `http://${shown.includes(":") ? `[${shown}]` : shown}:${port}`,
    port,
    queue,
    async shutdown() {
      await server.shutdown();
      queue.close();
    },
  };
}
