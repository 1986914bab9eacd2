/**
 * The request path: routing, byte-faithful forwarding and stream capture.
 * @module
 */
export { CALL_ID_HEADER, createProxy, type ProxyHandler, type ProxyOptions } from "./proxy.ts";
export { matchEndpoint, pointsAtSelf, type Endpoint, upstreamPrefix } from "./endpoints.ts";
