/** Which API a call spoke, by its path. */
export type Api = "chat.completions" | "responses" | "messages" | "generateContent" | "passthrough";

/** Who a call went to, as far as llmprof can tell. */
export type Provider = "openai" | "anthropic" | "google" | "azure" | "unknown";

/** One call as the proxy saw it: the raw material that analysis and storage work from. */
export interface CapturedCall {
  id: string;
  /** Epoch milliseconds when the request arrived. */
  startedAt: number;
  method: string;
  /** The path as the client sent it, prefix included. */
  path: string;
  /** The query string with secrets redacted ("" when none). */
  query: string;
  api: Api;
  provider: Provider;
  /** Upstream base URL the call was sent to. */
  upstream: string;
  /** Request headers with secrets redacted. */
  requestHeaders: Record<string, string>;
  /** Request body bytes, or null when not captured (passthrough, or over the cap). */
  requestBody: Uint8Array | null;
  requestBytes: number;
  /** HTTP status the client received. */
  status: number;
  /** Response headers as forwarded, secrets redacted. */
  responseHeaders: Record<string, string>;
  /** Response body bytes as the client received them, or null when not captured. */
  responseBody: Uint8Array | null;
  responseBytes: number;
  /**
   * Milliseconds from request arrival until the response body began to come from the upstream
   * (a JSON body read whole: until all of it had come); null if none came.
   */
  ttfbMs: number | null;
  /** Milliseconds from request arrival to the end of the response (or the disconnect). */
  durationMs: number;
  clientAborted: boolean;
  /** True when the request never reached the upstream (it could not be connected to): it cost nothing. */
  unsent?: boolean;
  /** Why the call failed or was only partly captured; null when all went well. */
  error: string | null;
}

/** Where captured calls go; implemented by the bounded queue that analysis consumes. */
export interface CaptureSink {
  /** Hands over a call; never blocks. Returns false when the call was shed. */
  submit(call: CapturedCall): boolean;
}
