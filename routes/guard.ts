import { createHash, timingSafeEqual } from "node:crypto";

/** Who may reach llmprof's own routes, and which browsers may use the proxied paths. */
export interface GuardOptions {
  /** The address llmprof is bound to. */
  host: string;
  port: number;
  /** Addresses of this machine's interfaces, when bound to every address (0.0.0.0 or ::). */
  interfaces?: readonly string[];
  /** Extra Host names (`--allowed-host`), lower case, any port. */
  allowedHosts?: readonly string[];
  /** Extra browser origins (`--allowed-origin`) for proxied paths. */
  allowedOrigins?: readonly string[];
  /** The token for llmprof's own routes, or null. */
  token?: string | null;
}

/** Name of the cookie the login form sets. */
export const SESSION_COOKIE = "llmprof_session";

/** Browser origins on this machine, any port: apps in development call llmprof from them. */
const LOOPBACK_ORIGIN =
  /^https?:\/\/(localhost|[a-z0-9.-]+\.localhost|127(\.\d{1,3}){3}|\[::1\])(:\d{1,5})?$/;

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];

const SECURITY_HEADERS: ReadonlyArray<[string, string]> = [
  ["cross-origin-resource-policy", "same-origin"],
  ["x-content-type-options", "nosniff"],
];

function sha256(text: string): Uint8Array {
  return createHash("sha256").update(text).digest();
}

function bracket(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host.toLowerCase();
}

function refuse(status: number, error: string, headers: Record<string, string> = {}): Response {
  return Response.json({ error }, { status, headers });
}

/**
 * The checks in front of every request: the Host and Origin of llmprof's own routes, the
 * token of a shared instance, and the Origin of browser requests to proxied paths. Every
 * allowed value is worked out once, at start-up; a request costs a few Set look-ups.
 */
export class Guard {
  /** `host:port` values of the Host header llmprof's own routes answer. */
  readonly #hosts = new Set<string>();
  /** Host names (any port) given with --allowed-host. */
  readonly #names: Set<string>;
  readonly #proxyOrigins: Set<string>;
  readonly #port: string;
  readonly #tokenHash: Uint8Array | null;
  readonly #sessionHash: Uint8Array | null;
  /** The cookie value the login form sets: derived from the token, never the token. */
  readonly #session: string | null;

  constructor(options: GuardOptions) {
    this.#port = String(options.port);
    const bound = bracket(options.host);
    const any = bound === "0.0.0.0" || bound === "[::]";
    const names = [
      ...LOOPBACK_NAMES,
      ...(any ? (options.interfaces ?? []).map(bracket) : [bound]),
    ];
    for (const name of names) {
      this.#hosts.add(`${name}:${this.#port}`);
      if (options.port === 80) this.#hosts.add(name);
    }
    this.#names = new Set(options.allowedHosts ?? []);
    this.#proxyOrigins = new Set(options.allowedOrigins ?? []);
    const token = options.token ?? null;
    this.#session = token === null
      ? null
      : createHash("sha256").update(`llmprof session\u0000${token}`).digest("hex");
    this.#tokenHash = token === null ? null : sha256(token);
    this.#sessionHash = this.#session === null ? null : sha256(this.#session);
  }

  /** Whether a token is required on llmprof's own routes. */
  get tokenRequired(): boolean {
    return this.#tokenHash !== null;
  }

  /** Whether a Host header names llmprof itself. */
  ownHost(host: string | null): boolean {
    if (host === null) return false;
    const value = host.toLowerCase();
    if (this.#hosts.has(value)) return true;
    const colon = value.lastIndexOf(":");
    const hasPort = colon > value.lastIndexOf("]");
    const name = hasPort ? value.slice(0, colon) : value;
    if (this.#names.has(name)) return true;
    return name.endsWith(".localhost") && (hasPort ? value.slice(colon + 1) : "80") === this.#port;
  }

  /**
   * For llmprof's own routes: a refusal when the Host or Origin is not llmprof's own, or
   * null to go on. DNS rebinding arrives with the attacker's name as Host; a page on
   * another site that calls llmprof sends its own Origin.
   */
  checkHostAndOrigin(request: Request): Response | null {
    const host = request.headers.get("host");
    if (!this.ownHost(host)) {
      return refuse(
        403,
        `llmprof does not answer to the host "${
          host ?? ""
        }": open it as http://localhost:${this.#port}/_llmprof/, or start it with --allowed-host ${
          hostName(host ?? "NAME")
        }.`,
      );
    }
    const origin = request.headers.get("origin");
    if (origin === null && request.method !== "GET" && request.method !== "HEAD") {
      return refuse(
        403,
        `llmprof takes ${request.method} requests only from its own pages (a same-origin request with an Origin header).`,
      );
    }
    if (origin !== null && !this.ownOrigin(origin)) {
      return refuse(
        403,
        `llmprof's pages and API do not answer requests from the origin "${origin}": only its own pages may call them.`,
      );
    }
    return null;
  }

  /** Whether a browser Origin is one of llmprof's own pages: http(s) and a Host it answers. */
  ownOrigin(origin: string): boolean {
    const rest = origin.startsWith("http://")
      ? origin.slice(7)
      : origin.startsWith("https://")
      ? origin.slice(8)
      : null;
    return rest !== null && !rest.includes("/") && this.ownHost(rest);
  }

  /** Whether a request carries the token, as a bearer header or the login cookie. */
  authorised(request: Request): boolean {
    if (this.#tokenHash === null) return true;
    const authorization = request.headers.get("authorization");
    if (authorization !== null && /^bearer /i.test(authorization)) {
      return this.tokenMatches(authorization.slice(7).trim());
    }
    const session = cookie(request.headers.get("cookie"), SESSION_COOKIE);
    return session !== null && timingSafeEqual(sha256(session), this.#sessionHash!);
  }

  /** Whether `given` is the token, compared in constant time. */
  tokenMatches(given: string): boolean {
    return this.#tokenHash !== null && timingSafeEqual(sha256(given), this.#tokenHash);
  }

  /** The Set-Cookie header value that signs a browser in. */
  sessionCookie(secure: boolean): string {
    return `${SESSION_COOKIE}=${this.#session}; Path=/_llmprof; HttpOnly; SameSite=Strict${
      secure ? "; Secure" : ""
    }`;
  }

  /**
   * For proxied paths: a 403 when a browser on a foreign origin sends the request (a page
   * could otherwise plant calls or drive a keyless upstream), or null to forward it.
   * Clients that are not browsers send no Origin.
   */
  checkProxied(request: Request): Response | null {
    const origin = request.headers.get("origin");
    if (origin === null || this.#proxyOrigins.has(origin) || LOOPBACK_ORIGIN.test(origin)) {
      return null;
    }
    return refuse(
      403,
      `llmprof does not forward browser requests from the origin "${origin}": start it with --allowed-origin ${origin} to allow that page.`,
    );
  }
}

/** The same response with llmprof's own-route headers: no cross-origin reads, no sniffing. */
export function secured(response: Response): Response {
  const headers = new Headers(response.headers);
  for (const [name, value] of SECURITY_HEADERS) headers.set(name, value);
  for (const name of [...headers.keys()]) {
    if (name.startsWith("access-control-")) headers.delete(name);
  }
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}

function hostName(host: string): string {
  const colon = host.lastIndexOf(":");
  return colon > host.lastIndexOf("]") ? host.slice(0, colon) : host;
}

function cookie(header: string | null, name: string): string | null {
  if (header === null) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}
