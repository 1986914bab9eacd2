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
