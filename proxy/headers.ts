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

/** Header name and value pairs, in order; what Response and the proxy pass around. */
export type HeaderPairs = [name: string, value: string][];

/**
 * The headers less hop-by-hop ones, those the Connection header names, and `also`; then
 * `set`, which replaces any header of its name. Headers are read with forEach: iterating
 * a Headers object with for…of costs about ten times as much in Deno, and Response takes
 * pairs without iterating again.
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

const SET_BY_CLIENT = new Set(["host", "content-length"]);

/**
 * Headers to send upstream: exactly the client's, less hop-by-hop headers, Host and
 * Content-Length (the upstream client sets the upstream's Host and the body's framing).
 */
export function requestHeadersForUpstream(incoming: Headers): HeaderPairs {
  return forwardable(incoming, SET_BY_CLIENT);
}

const NOTHING = new Set<string>();

/**
 * Headers to send the client: the upstream's, less hop-by-hop headers; an encoded body keeps
 * its encoding headers, for it goes to the client as it came. `set` (a lower-case name and
 * its value) is added, replacing any the upstream sent.
 */
export function responseHeadersForClient(
  upstream: Headers,
  set?: [name: string, value: string],
): HeaderPairs {
  return forwardable(upstream, NOTHING, set);
}
