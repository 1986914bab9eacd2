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

function dropHopByHop(source: Headers): Headers {
  const out = new Headers(source);
  const listed = source.get("connection");
  if (listed) {
    for (const name of listed.split(",")) out.delete(name.trim());
  }
  for (const name of HOP_BY_HOP) out.delete(name);
  return out;
}

/** Headers to send upstream: the client's, less hop-by-hop headers and Host (fetch sets the upstream's). */
export function requestHeadersForUpstream(incoming: Headers): Headers {
  const out = dropHopByHop(incoming);
  out.delete("host");
  out.delete("content-length");
  return out;
}

/**
 * Headers to send the client: the upstream's, less hop-by-hop headers, and less the
 * encoding headers of a body that fetch has already decoded.
 */
export function responseHeadersForClient(upstream: Headers): Headers {
  const out = dropHopByHop(upstream);
  const encoding = upstream.get("content-encoding")?.trim().toLowerCase();
  if (encoding && DECODED_BY_FETCH.has(encoding)) {
    out.delete("content-encoding");
    out.delete("content-length");
  }
  return out;
}

/** A plain-object copy of headers with every secret value replaced, safe to record or show. */
export function redactHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of headers) {
    out[name] = SECRET_HEADERS.has(name) || SECRET_NAME.test(name) ? REDACTED : value;
  }
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
