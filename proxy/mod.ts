/**
 * The request path: routing, byte-faithful forwarding and stream capture.
 * @module
 */
export { CALL_ID_HEADER, createProxy, type ProxyHandler, type ProxyOptions } from "./proxy.ts";
export { type Endpoint, matchEndpoint, pointsAtSelf, upstreamPrefix } from "./endpoints.ts";
