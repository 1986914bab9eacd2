import type { CapturedCall } from "../core/call.ts";
import { type HeaderPairs, requestHeadersForUpstream } from "./headers.ts";

/** Whether a request asks to upgrade to a WebSocket. */
export function isWebSocketUpgrade(request: Request): boolean {
  return request.headers.get("upgrade")?.toLowerCase() === "websocket";
}

/** The handshake headers the WebSocket client sets itself; the client's own are not copied. */
const HANDSHAKE = /^sec-websocket-/;

/** Deno's WebSocket takes handshake headers (the DOM typings, also loaded, do not say so). */
type DenoWebSocket = new (
  url: string,
  options: { headers: HeaderPairs; protocols: string[] },
) => WebSocket;

/** Options for {@linkcode relayWebSocket}. */
export interface RelayOptions {
  /** Called once the relay is over, with what passed each way. */
  onEnd(end: Pick<CapturedCall, "status" | "requestBytes" | "responseBytes" | "error">): void;
  /** Open relays, so shutdown can close them. */
  open: Set<() => void>;
}

/**
 * Relays a WebSocket session verbatim: the upstream's socket is opened first with the
 * client's headers and sub-protocols, and only then is the client's upgraded, so a refused
 * handshake reaches the client as a failed one (`error`: the caller answers with a 502).
 */
export async function relayWebSocket(
  request: Request,
  target: string,
  options: RelayOptions,
): Promise<Response | { error: string }> {
  const headers: HeaderPairs = requestHeadersForUpstream(request.headers).filter(([name]) =>
    !HANDSHAKE.test(name)
  );
  const protocols = request.headers.get("sec-websocket-protocol")?.split(",").map((p) => p.trim())
    .filter((p) => p !== "") ?? [];
  const upstream = new (WebSocket as unknown as DenoWebSocket)(target.replace(/^http/, "ws"), {
    headers,
    protocols,
  });
  upstream.binaryType = "arraybuffer";
  const opened = await new Promise<string | null>((resolve) => {
    upstream.onopen = () => resolve(null);
    upstream.onerror = (event) =>
      resolve((event as ErrorEvent).message || "the upstream refused the WebSocket handshake");
  });
  if (opened !== null) return { error: opened };

  const { socket, response } = Deno.upgradeWebSocket(
    request,
    upstream.protocol ? { protocol: upstream.protocol } : {},
  );
  socket.binaryType = "arraybuffer";
  let sent = 0;
  let received = 0;
  const early: Array<string | ArrayBuffer> = [];
  const size = (data: string | ArrayBuffer) =>
    typeof data === "string" ? data.length : data.byteLength;
  upstream.onmessage = (event) => {
    received += size(event.data);
    if (socket.readyState === WebSocket.OPEN) socket.send(event.data);
    else early.push(event.data);
  };
  socket.onopen = () => {
    for (const data of early.splice(0)) socket.send(data);
  };
  socket.onmessage = (event) => {
    sent += size(event.data);
    if (upstream.readyState === WebSocket.OPEN) upstream.send(event.data);
  };
  let ended = false;
  const close = (code: number, reason: string, error: string | null) => {
    if (ended) return;
    ended = true;
    options.open.delete(shut);
    // Only 1000 and 3000–4999 may be sent; 1005 and 1006 say no close frame came.
    const sendable = code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000;
    for (const side of [socket, upstream]) {
      if (side.readyState === WebSocket.OPEN || side.readyState === WebSocket.CONNECTING) {
        try {
          side.close(sendable, reason.slice(0, 120));
        } catch { /* already closing */ }
      }
    }
    options.onEnd({ status: 101, requestBytes: sent, responseBytes: received, error });
  };
  const shut = () =>
    close(1001, "llmprof shut down", "llmprof shut down while the session was open");
  options.open.add(shut);
  upstream.onclose = (event) => close(event.code, event.reason, null);
  socket.onclose = (event) => close(event.code, event.reason, null);
  upstream.onerror = () => close(1011, "upstream error", "the upstream WebSocket failed");
  socket.onerror = () => close(1011, "client error", "the client WebSocket failed");
  return response;
}
