/**
 * A test OpenTelemetry collector: an OTLP/HTTP traces endpoint on 127.0.0.1 that
 * decodes each request with the protobuf definitions of opentelemetry-proto
 * (the generated root of @opentelemetry/otlp-transformer 0.57).
 */
import root from "otlp-proto/build/src/generated/root.js";

/** A span as the receiver decoded it, attributes as plain values. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startMs: number;
  endMs: number;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
  scope: string;
}

interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | { toNumber(): number };
  doubleValue?: number;
  arrayValue?: { values: AnyValue[] };
}
interface KeyValue {
  key: string;
  value: AnyValue;
}
interface Decoded {
  resourceSpans?: Array<{
    resource?: { attributes: KeyValue[] };
    scopeSpans?: Array<{
      scope?: { name: string };
      spans?: Array<{
        traceId: Uint8Array;
        spanId: Uint8Array;
        parentSpanId?: Uint8Array;
        name: string;
        kind: number;
        startTimeUnixNano: number | { toNumber(): number };
        endTimeUnixNano: number | { toNumber(): number };
        attributes?: KeyValue[];
      }>;
    }>;
  }>;
}
const ExportTraceServiceRequest = (root as unknown as {
  opentelemetry: {
    proto: {
      collector: {
        trace: {
          v1: {
            ExportTraceServiceRequest: {
              decode(bytes: Uint8Array): unknown;
              toObject(message: unknown, options: { longs: NumberConstructor }): unknown;
            };
          };
        };
      };
    };
  };
}).opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

const hex = (bytes: Uint8Array | undefined) =>
  Array.from(bytes ?? [], (b) => b.toString(16).padStart(2, "0")).join("");
const num = (n: number | { toNumber(): number }) => typeof n === "number" ? n : n.toNumber();

function plain(value: AnyValue): unknown {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.arrayValue) return value.arrayValue.values.map(plain);
  if (value.intValue !== undefined) return num(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  return value.boolValue ?? null;
}

const attrs = (list: KeyValue[] = []) =>
  Object.fromEntries(list.map((kv) => [kv.key, plain(kv.value)]));

/** Decodes one OTLP/HTTP protobuf traces request body into its spans. */
export function decodeSpans(body: Uint8Array): ReceivedSpan[] {
  const request = ExportTraceServiceRequest.toObject(
    ExportTraceServiceRequest.decode(body),
    { longs: Number },
  ) as Decoded;
  return (request.resourceSpans ?? []).flatMap((rs) =>
    (rs.scopeSpans ?? []).flatMap((ss) =>
      (ss.spans ?? []).map((s) => ({
        traceId: hex(s.traceId),
        spanId: hex(s.spanId),
        parentSpanId: hex(s.parentSpanId),
        name: s.name,
        kind: s.kind,
        startMs: num(s.startTimeUnixNano) / 1e6,
        endMs: num(s.endTimeUnixNano) / 1e6,
        attributes: attrs(s.attributes),
        resource: attrs(rs.resource?.attributes),
        scope: ss.scope?.name ?? "",
      }))
    )
  );
}

/** A running test collector. */
export interface OtlpReceiver {
  /** Its base URL, e.g. http://127.0.0.1:43181 */
  url: string;
  port: number;
  spans: ReceivedSpan[];
  /** Headers of each request received. */
  headers: Headers[];
  /** Resolves once at least `n` spans have arrived. */
  waitFor(n: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

/** Starts a collector on 127.0.0.1 (a free port unless `port` is given). */
export function startOtlpReceiver(options: { port?: number } = {}): OtlpReceiver {
  const spans: ReceivedSpan[] = [];
  const headers: Headers[] = [];
  const waiters: Array<{ n: number; resolve: (s: ReceivedSpan[]) => void }> = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: options.port ?? 0, onListen() {} },
    async (request) => {
      const url = new URL(request.url);
      if (request.method !== "POST" || url.pathname !== "/v1/traces") {
        return new Response("not found", { status: 404 });
      }
      if (request.headers.get("content-type") !== "application/x-protobuf") {
        return new Response("expected application/x-protobuf", { status: 415 });
      }
      headers.push(request.headers);
      spans.push(...decodeSpans(new Uint8Array(await request.arrayBuffer())));
      for (const w of waiters.filter((w) => spans.length >= w.n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(spans);
      }
      return new Response(new Uint8Array(0), {
        headers: { "content-type": "application/x-protobuf" },
      });
    },
  );
  const port = server.addr.port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    spans,
    headers,
    waitFor(n) {
      if (spans.length >= n) return Promise.resolve(spans);
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    close: () => server.shutdown(),
  };
}
