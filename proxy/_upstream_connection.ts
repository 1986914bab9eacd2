/**
 * The upstream client's connections: TCP or TLS, direct or through the HTTP(S)_PROXY the
 * environment names, each with one read buffer, kept alive in a pool per origin.
 */
import {
  headEnd,
  parseResponseHead,
  readLatin1,
  type ResponseHead,
  writeLatin1,
} from "./_http1.ts";

/** Bytes read from the socket at a time. */
const READ_SIZE = 64 * 1024;
/** Less room than this left after the unread bytes, and they are moved to the front first. */
const MIN_READ = 4096;
/** The largest response head accepted. */
const HEAD_MAX = 64 * 1024;
/** An idle connection is closed after this long, as fetch's pool does, before most servers close it. */
const IDLE_MS = 60_000;
/** How often idle connections are looked over. */
const SWEEP_MS = 5_000;
/** The most idle connections kept per origin. */
const IDLE_MAX = 256;

/** Where a request goes: the connection it needs and how its request line names the target. */
export interface Route {
  /** The pool's key: scheme, host, port and any proxy. */
  key: string;
  secure: boolean;
  hostname: string;
  port: number;
  /** Host header value. */
  host: string;
  /** The request-target: origin form, or absolute form through an HTTP proxy. */
  target: string;
  /** A forward proxy to go through, with its Proxy-Authorization value if it has credentials. */
  proxy: { url: URL; authorization: string | null } | null;
}

/** One connection to an upstream and the bytes read from it not yet used. */
export class Connection {
  /** The pool it belongs to (see {@linkcode Route}). */
  readonly key: string;
  /** Whether an exchange went over it before the current one: a kept-alive one may have been closed under it. */
  reused = false;
  /** Whether any byte has come in over it since it was last taken from the pool. */
  heard = false;
  /** Bytes read from the socket; those from `start` to `end` are not used yet. */
  buffer = new Uint8Array(READ_SIZE);
  start = 0;
  end = 0;
  /** When it last went back to its pool. */
  idleSince = 0;
  readonly #conn: Deno.Conn;
  #closed = false;
  /**
   * The read kept open while it idles in the pool: the upstream closing it, or sending what
   * no request asked for (a 408 before closing), takes it out of the pool at once. The next
   * exchange's first read is this one.
   */
  #idleRead: Promise<number | null> | null = null;

  /** A connection of the pool `key` over `conn`. */
  constructor(key: string, conn: Deno.Conn) {
    this.key = key;
    this.#conn = conn;
  }

  /** Bytes read and not yet used. */
  get available(): number {
    return this.end - this.start;
  }

  /** Reads more bytes into the buffer; false when the peer closed its side. */
  async fill(): Promise<boolean> {
    if (this.start === this.end) {
      this.start = this.end = 0;
    } else if (this.buffer.length - this.end < MIN_READ) {
      if (this.start > 0) {
        this.buffer.copyWithin(0, this.start, this.end);
        this.end -= this.start;
        this.start = 0;
      } else {
        const grown = new Uint8Array(this.buffer.length * 2);
        grown.set(this.buffer);
        this.buffer = grown;
      }
    }
    const pending = this.#idleRead;
    this.#idleRead = null;
    // The idle read was given the buffer from its start, which is where an exchange begins.
    const n = await (pending ?? this.readInto(this.buffer.subarray(this.end)));
    if (n === null) return false;
    this.end += n;
    this.heard = true;
    return true;
  }

  /** A copy of up to `max` of the bytes read, taken from the buffer. */
  take(max: number): Uint8Array<ArrayBuffer> {
    const n = Math.min(max, this.available);
    const bytes = this.buffer.slice(this.start, this.start + n);
    this.start += n;
    return bytes;
  }

  /** Moves as many of the bytes read as fit into `out`; returns how many. */
  takeInto(out: Uint8Array): number {
    const n = Math.min(out.byteLength, this.available);
    out.set(this.buffer.subarray(this.start, this.start + n));
    this.start += n;
    return n;
  }

  /**
   * Reads straight into `out`, past the buffer; null when the peer closed its side, also
   * when a TLS peer closed without saying so first (as load balancers do to idle ones).
   */
  async readInto(out: Uint8Array): Promise<number | null> {
    try {
      return await this.#conn.read(out);
    } catch (error) {
      if (error instanceof Deno.errors.UnexpectedEof) return null;
      throw error;
    }
  }

  /** The next response head, interim (1xx) responses skipped. */
  async readHead(): Promise<ResponseHead> {
    // Bytes past `start` already searched for the blank line.
    let scanned = 0;
    for (;;) {
      const end = headEnd(
        this.buffer.subarray(0, this.end),
        this.start + Math.max(0, scanned - 3),
      );
      if (end !== -1) {
        const head = parseResponseHead(readLatin1(this.buffer.subarray(this.start, end)));
        this.start = end;
        scanned = 0;
        if (head.status >= 100 && head.status < 200 && head.status !== 101) continue;
        return head;
      }
      if (this.available > HEAD_MAX) {
        throw new Error(`the upstream's response head is over ${HEAD_MAX / 1024} KiB`);
      }
      scanned = this.available;
      if (!(await this.fill())) {
        throw this.heard
          ? new Error("the upstream closed the connection in the middle of its response head")
          : new ClosedBeforeAnswer();
      }
    }
  }

  /** Writes all of `bytes`. */
  async write(bytes: Uint8Array): Promise<void> {
    for (let at = 0; at < bytes.byteLength;) {
      at += await this.#conn.write(at === 0 ? bytes : bytes.subarray(at));
    }
  }

  /** Closes it; reads and writes under way fail. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#idleRead?.catch(() => {});
    try {
      this.#conn.close();
    } catch {
      // Already closed by a failed read or write.
    }
  }

  /** Puts it back in its pool, to be closed if it idles for a minute or the upstream closes it. */
  release(): void {
    if (this.#closed || this.available > 0) return this.close();
    const list = idle.get(this.key) ?? [];
    if (list.length >= IDLE_MAX) return this.close();
    list.push(this);
    idle.set(this.key, list);
    this.reused = true;
    this.heard = false;
    this.start = this.end = 0;
    this.idleSince = performance.now();
    // An idle connection does not keep llmprof running.
    this.#conn.unref();
    const read = this.#idleRead = this.readInto(this.buffer);
    read.then(() => this.#leaveIfIdle(read), () => this.#leaveIfIdle(read));
    sweepLater();
  }

  /** Takes it from its pool for an exchange. */
  claim(): this {
    this.#conn.ref();
    return this;
  }

  /** Closes it and takes it out of its pool, if `read` ended while it still idles there. */
  #leaveIfIdle(read: Promise<number | null>): void {
    if (this.#idleRead !== read) return;
    const list = idle.get(this.key);
    const at = list?.indexOf(this) ?? -1;
    if (at === -1) return;
    list!.splice(at, 1);
    this.close();
  }
}

/** The upstream closed a connection before any byte of its answer: the request may be sent again on a new one. */
export class ClosedBeforeAnswer extends Error {
  constructor() {
    super("the upstream closed the connection before answering");
  }
}

const idle = new Map<string, Connection[]>();

// One sweep every few seconds closes connections idle for a minute: a timer per release
// cost about 2.5 µs a call, more than the rest of putting a connection back.
let sweeper: ReturnType<typeof setInterval> | null = null;

function sweepLater(): void {
  if (sweeper !== null) return;
  sweeper = setInterval(sweep, SWEEP_MS);
  Deno.unrefTimer(sweeper as unknown as number);
}

function sweep(): void {
  const stale = performance.now() - IDLE_MS;
  for (const [key, list] of idle) {
    const kept = list.filter((connection) => {
      if (connection.idleSince > stale) return true;
      connection.close();
      return false;
    });
    if (kept.length > 0) idle.set(key, kept);
    else idle.delete(key);
  }
  if (idle.size === 0 && sweeper !== null) {
    clearInterval(sweeper);
    sweeper = null;
  }
}

/** A kept-alive connection for `route` from the pool, or a new one; `signal` ends connecting. */
export function connectionFor(
  route: Route,
  options: { fresh?: boolean; signal: AbortSignal },
): Promise<Connection> {
  if (!options.fresh) {
    const kept = idle.get(route.key)?.pop();
    if (kept) return Promise.resolve(kept.claim());
  }
  return open(route, options.signal);
}

async function open(route: Route, signal: AbortSignal): Promise<Connection> {
  const via = route.proxy?.url ?? null;
  const viaHost = via ? bare(via.hostname) : "";
  const tcp = await Deno.connect({
    hostname: via ? viaHost : route.hostname,
    port: via ? Number(via.port || (via.protocol === "https:" ? 443 : 80)) : route.port,
    signal,
  });
  // Small writes (a chunk of a streamed body) go at once, as node:http sends them.
  tcp.setNoDelay(true);
  // An abort (the timeout, the client leaving) ends a handshake or tunnel that stalls: it
  // closes the connection as it is now, TLS once TLS has taken over the socket.
  let current: Deno.Conn = tcp;
  const abort = () => closeQuietly(current);
  signal.addEventListener("abort", abort, { once: true });
  const secured = async (hostname: string) => {
    const tls = await Deno.startTls(tcp, { hostname, caCerts: extraCaCerts() });
    current = tls;
    if (signal.aborted) abort();
    // The handshake now, so a refused certificate fails the connect and not the first write.
    await tls.handshake();
    return tls;
  };
  try {
    if (via === null) {
      return new Connection(route.key, route.secure ? await secured(route.hostname) : tcp);
    }
    if (via.protocol === "https:") {
      if (route.secure) {
        throw new Error(
          `TLS inside a TLS tunnel to the proxy ${via.host} is not supported; give HTTPS_PROXY an http:// URL`,
        );
      }
      return new Connection(route.key, await secured(viaHost));
    }
    if (route.secure) {
      await tunnel(new Connection(route.key, tcp), route);
      return new Connection(route.key, await secured(route.hostname));
    }
    return new Connection(route.key, tcp);
  } catch (error) {
    closeQuietly(current);
    throw error;
  } finally {
    signal.removeEventListener("abort", abort);
  }
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Closed already.
  }
}

/** A hostname without the brackets of an IPv6 literal. */
function bare(hostname: string): string {
  return hostname.replace(/^\[|\]$/g, "");
}

/** Asks an HTTP proxy for a CONNECT tunnel to the route's host and port (always given, RFC 9110 §9.3.6). */
async function tunnel(through: Connection, route: Route): Promise<void> {
  const authority = route.hostname.includes(":")
    ? `[${route.hostname}]:${route.port}`
    : `${route.hostname}:${route.port}`;
  let head = `CONNECT ${authority} HTTP/1.1\r\nhost: ${authority}\r\n`;
  if (route.proxy?.authorization) head += `proxy-authorization: ${route.proxy.authorization}\r\n`;
  head += "\r\n";
  const bytes = new Uint8Array(head.length);
  writeLatin1(head, bytes);
  await through.write(bytes);
  const answer = await through.readHead();
  if (answer.status < 200 || answer.status > 299 || through.available > 0) {
    throw new Error(
      `the proxy ${route.proxy?.url.host} refused a tunnel to ${authority} with status ${answer.status}`,
    );
  }
}

let extra: { file: string; certs: string[] } | null = null;

/**
 * The CA certificates NODE_EXTRA_CA_CERTS names, trusted besides the system's as Node.js
 * trusts them; read again when the variable names another file.
 */
function extraCaCerts(): string[] | undefined {
  const file = Deno.env.get("NODE_EXTRA_CA_CERTS");
  if (!file) return undefined;
  if (extra?.file === file) return extra.certs;
  try {
    extra = { file, certs: [Deno.readTextFileSync(file)] };
  } catch (error) {
    throw new Error(`Cannot read NODE_EXTRA_CA_CERTS "${file}": ${(error as Error).message}`);
  }
  return extra.certs;
}
