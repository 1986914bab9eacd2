/**
 * The live feed of the dashboard: an event for each call once it has been analysed and
 * stored, fanned out to every open `GET /_llmprof/api/events` as server-sent events.
 * @module
 */

/** What a page learns of a call the moment it is stored; it fetches the rest. */
export interface CallEvent {
  id: string;
  created_at: string;
  session_id: string | null;
  provider: string;
  model: string | null;
  cost_usd: number | null;
}

/** Options for {@linkcode CallEvents}. */
export interface CallEventsOptions {
  /** Events a slow client may have waiting before it misses some and is told to reload. Default 256. */
  buffer?: number;
  /** Milliseconds between keep-alive comments, which also find closed connections. Default 15 s. */
  keepAliveMs?: number;
}

interface Client {
  controller: ReadableStreamDefaultController<Uint8Array>;
  /** True once an event was dropped because the client fell behind. */
  missed: boolean;
}

const encoder = new TextEncoder();

/** One server-sent event's bytes. */
export function sseMessage(event: string, data: unknown): Uint8Array {
  return encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/**
 * The hub: publishing never blocks or grows without bound. Each client has a bounded queue;
 * a client that falls behind misses events and gets one `resync` event when it catches up,
 * so it reloads what it shows. A client is forgotten when its connection closes.
 */
export class CallEvents {
  readonly #clients = new Set<Client>();
  readonly #buffer: number;
  readonly #keepAliveMs: number;
  #keepAlive: ReturnType<typeof setInterval> | undefined;

  constructor(options: CallEventsOptions = {}) {
    this.#buffer = options.buffer ?? 256;
    this.#keepAliveMs = options.keepAliveMs ?? 15_000;
  }

  /** How many pages are listening. */
  get clients(): number {
    return this.#clients.size;
  }

  /** Sends a call's event to every listening page. */
  publish(event: CallEvent): void {
    if (this.#clients.size === 0) return;
    const message = sseMessage("call", event);
    for (const client of this.#clients) this.#send(client, message);
  }

  /** A new listener's event stream; `signal` (the request's) ends it when the page goes away. */
  subscribe(signal?: AbortSignal): ReadableStream<Uint8Array> {
    let client: Client;
    const forget = () => {
      if (!this.#clients.delete(client)) return;
      try {
        client.controller.close();
      } catch { /* already closed */ }
      if (this.#clients.size === 0) this.#stopKeepAlive();
    };
    return new ReadableStream<Uint8Array>({
      start: (controller) => {
        client = { controller, missed: false };
        this.#clients.add(client);
        // Tells the browser how soon to reconnect, and the page that it is live.
        controller.enqueue(encoder.encode("retry: 2000\n\n"));
        controller.enqueue(sseMessage("ready", { clients: this.#clients.size }));
        this.#startKeepAlive();
        signal?.addEventListener("abort", forget, { once: true });
      },
      cancel: forget,
    }, { highWaterMark: this.#buffer, size: () => 1 });
  }

  /** Ends every stream, as at shutdown. */
  close(): void {
    for (const client of [...this.#clients]) {
      this.#clients.delete(client);
      try {
        client.controller.close();
      } catch { /* already closed */ }
    }
    this.#stopKeepAlive();
  }

  #send(client: Client, message: Uint8Array): void {
    try {
      if ((client.controller.desiredSize ?? 0) <= 0) {
        client.missed = true;
        return;
      }
      if (client.missed) {
        client.missed = false;
        client.controller.enqueue(sseMessage("resync", {}));
      }
      client.controller.enqueue(message);
    } catch {
      this.#clients.delete(client);
    }
  }

  #startKeepAlive(): void {
    if (this.#keepAlive !== undefined) return;
    const ping = encoder.encode(": keep-alive\n\n");
    this.#keepAlive = setInterval(() => {
      for (const client of this.#clients) this.#send(client, ping);
    }, this.#keepAliveMs);
    Deno.unrefTimer(this.#keepAlive);
  }

  #stopKeepAlive(): void {
    clearInterval(this.#keepAlive);
    this.#keepAlive = undefined;
  }
}
