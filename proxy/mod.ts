/**
 * The request path: routing, byte-faithful forwarding and stream capture.
 * @module
 */
export type { Api, CapturedCall, CaptureSink, Provider } from "./call.ts";
export { CALL_ID_HEADER, createProxy, type ProxyHandler, type ProxyOptions } from "./proxy.ts";
export { type BatchLimits, CaptureQueue, type QueueOptions, type QueueStats } from "./queue.ts";
export { matchRoute, pointsAtSelf, type RouteMatch, upstreamPrefix } from "./routes.ts";
export { REDACTED, redactHeaders, redactQuery, redactUrl } from "./headers.ts";
