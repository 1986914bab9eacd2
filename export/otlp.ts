import { createHash } from "node:crypto";
import {
  type Attributes,
  type Context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
} from "@opentelemetry/api";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { type ReadableSpan, type SpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import type { CallRecord } from "../core/record.ts";
import { VERSION } from "../core/version.ts";
import { componentColumn } from "./rows.ts";

/** Options for {@linkcode OtlpExporter}. */
export interface OtlpOptions {
  /** The collector's OTLP/HTTP traces URL, e.g. http://127.0.0.1:4318/v1/traces. */
  endpoint: URL;
  /** Extra request headers (OTEL_EXPORTER_OTLP_HEADERS), e.g. an API key of the backend. */
  headers?: Record<string, string>;
  /** Most spans waiting for the collector; beyond it new spans are dropped and counted. Default 10,000. */
  maxBuffer?: number;
  /** Most spans per request. Default 512. */
  batchSize?: number;
  /** Milliseconds between sends while spans wait. Default 1,000; 0 sends only on flush(). */
  intervalMs?: number;
  /** Longest wait between retries of an unreachable collector. Default 30 s. */
  maxBackoffMs?: number;
  /** Milliseconds one request may take. Default 10 s. */
  timeoutMs?: number;
  /** Where operational messages go. Default console.error. */
  log?: (line: string) => void;
}

/** What the exporter reports in health. */
export interface OtlpStats {
  endpoint: string;
  /** False while the collector refuses or cannot be reached. */
  ok: boolean;
  error: string | null;
  /** Spans waiting to be sent. */
  pending: number;
  sent: number;
  /** Spans dropped: the buffer was full, or the collector rejected them as malformed. */
  dropped: number;
  /** Failed sends that are being retried. */
  retries: number;
}

function hexId(text: string, bytes: number): string {
  return createHash("sha256").update(text).digest("hex").slice(0, bytes * 2);
}

/** The trace id of a run (or of a call outside any run): 16 bytes of a hash, so every export agrees. */
export function traceIdOf(record: CallRecord): string {
  return hexId(record.session ? `run:${record.session.id}` : `call:${record.id}`, 16);
}

/** A call's span id: 8 bytes of a hash of its id, so a later turn can name its parent. */
export function spanIdOf(callId: string): string {
  return hexId(`call:${callId}`, 8);
}

/** A call's span attributes: GenAI semantic conventions, plus llmprof's own under `llmprof.*`. */
export function spanAttributes(record: CallRecord): Attributes {
  const a: Attributes = {
    "gen_ai.operation.name": record.api === "passthrough" ? "unknown" : "chat",
    "gen_ai.system": record.provider,
    "gen_ai.provider.name": record.provider,
    "http.request.method": record.method,
    "url.path": record.path,
    "http.response.status_code": record.status,
    "llmprof.call.id": record.id,
    "llmprof.api": record.api,
    "llmprof.stream": record.stream,
    "llmprof.duration_ms": record.timings.duration_ms,
    "llmprof.findings.count": record.findings.length,
  };
  if (record.model) a["gen_ai.request.model"] = record.model;
  if (record.response?.id) a["gen_ai.response.id"] = record.response.id;
  if (record.response?.stop_reason) {
    a["gen_ai.response.finish_reasons"] = [record.response.stop_reason];
  }
  if (record.usage) {
    a["gen_ai.usage.input_tokens"] = record.usage.input_tokens;
    a["gen_ai.usage.output_tokens"] = record.usage.output_tokens;
    a["gen_ai.usage.cache_read.input_tokens"] = record.usage.cache_read_tokens;
    a["gen_ai.usage.cache_creation.input_tokens"] = record.usage.cache_write_tokens;
    a["gen_ai.usage.reasoning.output_tokens"] = record.usage.reasoning_tokens;
  }
  if (record.session) {
    a["gen_ai.conversation.id"] = record.session.id;
    a["llmprof.run.id"] = record.session.id;
    a["llmprof.run.turn"] = record.session.turn;
  }
  if (record.attribution) {
    a["llmprof.attribution.method"] = record.attribution.method;
    for (const c of record.attribution.components) {
      a[`llmprof.components.${componentColumn(c.name).slice("tokens_".length)}.tokens`] = c.tokens;
    }
  }
  if (record.cost) {
    a["llmprof.cost.priced"] = record.cost.priced;
    if (record.cost.total_usd !== null) a["llmprof.cost.usd"] = record.cost.total_usd;
    if (record.cost.input_usd !== null) a["llmprof.cost.input_usd"] = record.cost.input_usd;
    if (record.cost.output_usd !== null) a["llmprof.cost.output_usd"] = record.cost.output_usd;
  }
  if (record.findings.length > 0) {
    a["llmprof.findings.kinds"] = record.findings.map((f) => f.kind);
    a["llmprof.findings.reclaimable_usd"] = record.findings.reduce((s, f) => s + (f.usd ?? 0), 0);
  }
  if (record.route) a["llmprof.route"] = record.route.label;
  if (record.error) {
    a["error.type"] = record.status >= 400 ? String(record.status) : "llmprof_error";
  }
  return a;
}

/**
 * Sends one OpenTelemetry span per analysed call to a collector over OTLP/HTTP (protobuf).
 * A run is a trace and each turn a span under the turn it continues. Spans wait in a
 * bounded buffer, are sent in batches off the request path, and are retried with
 * backoff while the collector is away; what the bound drops is counted.
 */
export class OtlpExporter {
  readonly #url: URL;
  readonly #headers: Record<string, string>;
  readonly #maxBuffer: number;
  readonly #batchSize: number;
  readonly #intervalMs: number;
  readonly #maxBackoffMs: number;
  readonly #timeoutMs: number;
  readonly #log: (line: string) => void;
  readonly #provider: TracerProvider;
  readonly #tracer: Tracer;
  readonly #buffer: ReadableSpan[] = [];
  #nextIds = { traceId: "", spanId: "" };
  #sent = 0;
  #dropped = 0;
  #retries = 0;
  #error: string | null = null;
  #backoffMs = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #sending: Promise<boolean> | null = null;
  #closed = false;

  constructor(options: OtlpOptions) {
    this.#url = options.endpoint;
    this.#headers = options.headers ?? {};
    this.#maxBuffer = options.maxBuffer ?? 10_000;
    this.#batchSize = options.batchSize ?? 512;
    this.#intervalMs = options.intervalMs ?? 1_000;
    this.#maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#log = options.log ?? ((line) => console.error(line));
    const buffer: SpanProcessor = {
      onStart() {},
      onEnd: (span) => this.#enqueue(span),
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    };
    this.#provider = new TracerProvider({
      resource: resourceFromAttributes({ "service.name": "llmprof", "service.version": VERSION }),
      idGenerator: {
        generateTraceId: () => this.#nextIds.traceId,
        generateSpanId: () => this.#nextIds.spanId,
      },
      spanProcessors: [buffer],
    });
    this.#tracer = this.#provider.getTracer("llmprof", VERSION);
  }

  /** Queues an analysed call's span; never blocks. Returns false when it was dropped. */
  add(record: CallRecord): boolean {
    if (this.#closed || this.#buffer.length >= this.#maxBuffer) {
      if (this.#dropped++ === 0 || this.#dropped % 1000 === 0) {
        this.#log(
          `llmprof: the OpenTelemetry buffer is full; ${this.#dropped} spans dropped so far.`,
        );
      }
      return false;
    }
    const tracer = this.#tracer;
    const start = Date.parse(record.created_at);
    const traceId = traceIdOf(record);
    let parent: Context = ROOT_CONTEXT;
    if (record.session?.parent_id) {
      parent = trace.setSpanContext(ROOT_CONTEXT, {
        traceId,
        spanId: spanIdOf(record.session.parent_id),
        traceFlags: 1,
        isRemote: true,
      });
    }
    this.#nextIds = { traceId, spanId: spanIdOf(record.id) };
    const name = record.model ? `chat ${record.model}` : `${record.method} ${record.path}`;
    const span = tracer.startSpan(name, {
      kind: SpanKind.CLIENT,
      startTime: start,
      attributes: spanAttributes(record),
    }, parent);
    if (record.error || record.status >= 400) {
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: record.error ?? `HTTP ${record.status}`,
      });
    }
    span.end(start + record.timings.duration_ms);
    this.#schedule(this.#intervalMs);
    return true;
  }

  #enqueue(span: ReadableSpan): void {
    this.#buffer.push(span);
  }

  #schedule(ms: number): void {
    if (this.#timer !== undefined || this.#closed || this.#intervalMs === 0) return;
    const timer = setTimeout(async () => {
      this.#timer = undefined;
      await this.flush();
      if (this.#buffer.length > 0) this.#schedule(this.#backoffMs || this.#intervalMs);
    }, ms);
    this.#timer = timer;
    Deno.unrefTimer(timer as unknown as number);
  }

  /** Sends what waits, batch by batch; true when the buffer is empty afterwards. */
  flush(): Promise<boolean> {
    this.#sending ??= this.#sendAll().finally(() => (this.#sending = null));
    return this.#sending;
  }

  async #sendAll(): Promise<boolean> {
    while (this.#buffer.length > 0) {
      const batch = this.#buffer.slice(0, this.#batchSize);
      const outcome = await this.#send(batch);
      if (outcome === "retry") return false;
      this.#buffer.splice(0, batch.length);
      if (outcome === "sent") this.#sent += batch.length;
      else this.#dropped += batch.length;
    }
    return true;
  }

  async #send(batch: ReadableSpan[]): Promise<"sent" | "rejected" | "retry"> {
    const body = ProtobufTraceSerializer.serializeRequest(batch);
    let failure: string;
    try {
      const response = await fetch(this.#url, {
        method: "POST",
        headers: { ...this.#headers, "content-type": "application/x-protobuf" },
        body: body as Uint8Array<ArrayBuffer>,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      await response.body?.cancel();
      if (response.ok) {
        if (this.#error) {
          this.#log(`llmprof: the OpenTelemetry collector at ${this.#url.href} answers again.`);
        }
        this.#error = null;
        this.#backoffMs = 0;
        return "sent";
      }
      failure = `HTTP ${response.status}`;
      if (
        response.status >= 400 && response.status < 500 && ![408, 429].includes(response.status)
      ) {
        this.#log(
          `llmprof: the OpenTelemetry collector at ${this.#url.href} rejected ${batch.length} spans (${failure}); they are dropped.`,
        );
        return "rejected";
      }
    } catch (error) {
      failure = (error as Error).message;
    }
    if (this.#error === null) {
      this.#log(
        `llmprof: cannot send spans to the OpenTelemetry collector at ${this.#url.href} (${failure}); retrying.`,
      );
    }
    this.#error = `Cannot send spans to ${this.#url.href}: ${failure}`;
    this.#retries++;
    this.#backoffMs = Math.min(
      Math.max(this.#backoffMs * 2, this.#intervalMs || 1_000),
      this.#maxBackoffMs,
    );
    return "retry";
  }

  /** Counts for the health page. */
  stats(): OtlpStats {
    return {
      endpoint: this.#url.href,
      ok: this.#error === null,
      error: this.#error,
      pending: this.#buffer.length,
      sent: this.#sent,
      dropped: this.#dropped,
      retries: this.#retries,
    };
  }

  /** Stops the timer and tries for up to `ms` to send what waits; returns whether all was sent. */
  async close(ms = 5_000): Promise<boolean> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = await Promise.race([
      this.flush(),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
    ]);
    clearTimeout(timer);
    await this.#provider.shutdown();
    return done;
  }
}
