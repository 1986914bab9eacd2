const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/** Encodings that Deno's fetch decodes on its own; their bodies arrive already decoded. */
const DECODED_BY_FETCH = new Set(["gzip", "x-gzip", "br"]);

const SECRET_HEADERS = new Set([
  "authorization",
  "proxy-authorization",
  "x-api-key",
  "api-key",
  "x-goog-api-key",
  "cookie",
  "set-cookie",
]);
const SECRET_NAME = /key|token|secret|auth|password|cookie/i;
const SECRET_PARAMS = /^(key|api[-_]?key|token|access[-_]?token|secret)$/i;

/** Replaces secret values in records. */
export const REDACTED = "[redacted]";

/** Header name and value pairs, in order; what fetch, Response and the proxy pass around. */
export type HeaderPairs = [name: string, value: string][];

/**
 * The headers less hop-by-hop ones, those the Connection header names, and `also`; then
 * `set`, which replaces any header of its name. Headers are read with forEach: iterating
 * a Headers object with for…of costs about ten times as much in Deno, and fetch and
 * Response take pairs without iterating again.
 */
function forwardable(
  source: Headers,
  also: ReadonlySet<string>,
  set?: [name: string, value: string],
): HeaderPairs {
  const listed = source.get("connection");
  const named = listed ? new Set(listed.split(",").map((n) => n.trim().toLowerCase())) : null;
  const out: HeaderPairs = [];
  source.forEach((value, name) => {
    if (!HOP_BY_HOP.has(name) && !also.has(name) && !named?.has(name) && name !== set?.[0]) {
      out.push([name, value]);
    }
  });
  if (set) out.push(set);
  return out;
}

const SET_BY_FETCH = new Set(["host", "content-length"]);
const NOTHING = new Set<string>();
const DECODED_BODY = new Set(["content-encoding", "content-length"]);

/** Headers to send upstream: the client's, less hop-by-hop headers and Host (fetch sets the upstream's). */
export function requestHeadersForUpstream(incoming: Headers): HeaderPairs {
  return forwardable(incoming, SET_BY_FETCH);
}

/**
 * Headers to send the client: the upstream's, less hop-by-hop headers, and less the
 * encoding headers of a body that fetch has already decoded; `set` (a lower-case name and
 * its value) is added, replacing any the upstream sent.
 */
export function responseHeadersForClient(
  upstream: Headers,
  set?: [name: string, value: string],
): HeaderPairs {
  const encoding = upstream.get("content-encoding")?.trim().toLowerCase();
  const decoded = encoding && DECODED_BY_FETCH.has(encoding);
  return forwardable(upstream, decoded ? DECODED_BODY : NOTHING, set);
}

/** A plain-object copy of headers with every secret value replaced, safe to record or show. */
export function redactHeaders(headers: Headers | HeaderPairs): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (value: string, name: string) => {
    out[name] = SECRET_HEADERS.has(name) || SECRET_NAME.test(name) ? REDACTED : value;
  };
  if (Array.isArray(headers)) { for (const [name, value] of headers) add(value, name); }
  else headers.forEach(add);
  return out;
}

/** A query string ("?a=b" or "") with secret parameters such as `key=` redacted. */
export function redactQuery(search: string): string {
  if (search === "" || search === "?") return "";
  const params = new URLSearchParams(search);
  const out = new URLSearchParams();
  for (const [name, value] of params) out.append(name, SECRET_PARAMS.test(name) ? REDACTED : value);
  return "?" + out.toString();
}

/** A URL safe to log: credentials and secret query parameters removed. */
export function redactUrl(url: URL): string {
  const copy = new URL(url);
  copy.username = "";
  copy.password = "";
  copy.search = redactQuery(copy.search);
  return copy.toString();
}
