import { assert, assertEquals } from "../testing/assert.ts";
import { within } from "../tests/_harness.ts";
import { startOtlpReceiver } from "../tests/otlp_receiver.ts";
import { sampleRecord } from "../testing/records.ts";
import { OtlpExporter, spanIdOf, traceIdOf } from "./otlp.ts";
import { otlpHeaders, otlpTracesUrl } from "./otlp_config.ts";

function runRecords(runId: string, turns: number) {
  const ids = Array.from({ length: turns }, (_, i) => `${runId}-call-${i + 1}`);
  return ids.map((id, i) =>
    sampleRecord({
      id,
      created_at: new Date(Date.UTC(2026, 10, 27, 10, 0, i)).toISOString(),
      session: {
        id: runId,
        turn: i + 1,
        source: i === 0 ? "new" : "chain",
        parent_id: i === 0 ? null : ids[i - 1],
        retry_of: null,
        fork: false,
      },
      findings: [{ kind: "uncached_prefix", tokens: 400, usd: 0.001, detail: "cache it" }],
    })
  );
}

/** A free port nothing listens on (until a receiver takes it). */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

Deno.test("otlp exporter sends a run as one trace with GenAI and llmprof attributes", async () => {
  const receiver = startOtlpReceiver();
  const exporter = new OtlpExporter({
    endpoint: new URL(`${receiver.url}/v1/traces`),
    headers: { "x-backend-key": "k1" },
    intervalMs: 0,
    log: () => {},
  });
  try {
    const records = runRecords("run-a", 3);
    for (const r of records) assert(exporter.add(r));
    assert(await exporter.flush());
    const spans = await within(receiver.waitFor(3), 5_000, "no 3 spans arrived");
    assertEquals(spans.length, 3);
    assertEquals(receiver.headers[0].get("x-backend-key"), "k1");
    assertEquals(new Set(spans.map((s) => s.traceId)).size, 1, "a run is one trace");
    assertEquals(spans[0].traceId, traceIdOf(records[0]));
    assertEquals(spans.map((s) => s.spanId), records.map((r) => spanIdOf(r.id)));
    assertEquals(spans.map((s) => s.parentSpanId), [
      "",
      spanIdOf(records[0].id),
      spanIdOf(records[1].id),
    ]);
    const first = spans[0];
    assertEquals(first.name, "chat gpt-4o");
    assertEquals(first.kind, 3, "SPAN_KIND_CLIENT");
    assertEquals(first.resource["service.name"], "llmprof");
    assertEquals(Math.round(first.endMs - first.startMs), 250);
    assertEquals(Math.round(first.startMs), Date.parse(records[0].created_at));
    const a = first.attributes;
    assertEquals(a["gen_ai.system"], "openai");
    assertEquals(a["gen_ai.operation.name"], "chat");
    assertEquals(a["gen_ai.request.model"], "gpt-4o");
    assertEquals(a["gen_ai.usage.input_tokens"], 1000);
    assertEquals(a["gen_ai.usage.output_tokens"], 100);
    assertEquals(a["gen_ai.usage.cache_read.input_tokens"], 0);
    assertEquals(a["gen_ai.conversation.id"], "run-a");
    assertEquals(a["llmprof.run.turn"], 1);
    assertEquals(a["llmprof.call.id"], records[0].id);
    assertEquals(a["llmprof.components.system_prompt.tokens"], 600);
    assertEquals(a["llmprof.components.user_input.tokens"], 400);
    assertEquals(a["llmprof.cost.usd"], 0.01);
    assertEquals(a["llmprof.findings.count"], 1);
    assertEquals(a["llmprof.findings.kinds"], ["uncached_prefix"]);
    assertEquals(a["llmprof.findings.reclaimable_usd"], 0.001);
    assertEquals(exporter.stats().sent, 3);
  } finally {
    await exporter.close(1_000);
    await receiver.close();
  }
});

Deno.test("otlp exporter keeps spans while the collector is down and sends them all when it is back", async () => {
  const port = freePort();
  const logs: string[] = [];
  const exporter = new OtlpExporter({
    endpoint: new URL(`http://127.0.0.1:${port}/v1/traces`),
    intervalMs: 0,
    maxBuffer: 5,
    batchSize: 2,
    log: (l) => logs.push(l),
  });
  let receiver;
  try {
    const records = runRecords("run-b", 7);
    assertEquals(records.map((r) => exporter.add(r)), [true, true, true, true, true, false, false]);
    assertEquals(await exporter.flush(), false, "the collector is down");
    assertEquals(await exporter.flush(), false);
    const down = exporter.stats();
    assertEquals(down.ok, false);
    assert(down.error?.includes(`127.0.0.1:${port}`), down.error ?? "");
    assertEquals([down.pending, down.sent, down.dropped, down.retries], [5, 0, 2, 2]);
    assert(logs.some((l) => l.includes("retrying")));
    assert(logs.some((l) => l.includes("2 spans dropped") || l.includes("1 spans dropped")));

    receiver = startOtlpReceiver({ port });
    assertEquals(await exporter.flush(), true);
    const spans = await within(receiver.waitFor(5), 5_000, "no 5 spans arrived");
    assertEquals(
      spans.map((s) => s.attributes["llmprof.call.id"]),
      records.slice(0, 5).map((r) => r.id),
    );
    const up = exporter.stats();
    assertEquals([up.ok, up.pending, up.sent, up.dropped], [true, 0, 5, 2]);
  } finally {
    await exporter.close(1_000);
    await receiver?.close();
  }
});

Deno.test("otlp exporter drops and counts a batch the collector rejects as malformed", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("bad", { status: 400 }),
  );
  const exporter = new OtlpExporter({
    endpoint: new URL(`http://127.0.0.1:${server.addr.port}/v1/traces`),
    intervalMs: 0,
    log: () => {},
  });
  try {
    exporter.add(sampleRecord());
    assertEquals(await exporter.flush(), true);
    assertEquals(exporter.stats().dropped, 1);
    assertEquals(exporter.stats().pending, 0);
  } finally {
    await exporter.close(1_000);
    await server.shutdown();
  }
});

Deno.test("otlp endpoint follows the standard variables: a base gets /v1/traces, a traces URL is kept", () => {
  assertEquals(otlpTracesUrl(undefined, {}), null);
  assertEquals(otlpTracesUrl("http://c:4318", {})?.href, "http://c:4318/v1/traces");
  assertEquals(
    otlpTracesUrl(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318/otlp/" })?.href,
    "http://c:4318/otlp/v1/traces",
  );
  assertEquals(
    otlpTracesUrl(undefined, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://c:9/custom" })?.href,
    "http://c:9/custom",
  );
  assertEquals(
    otlpTracesUrl("http://flag:1", { OTEL_EXPORTER_OTLP_ENDPOINT: "http://env:2" })?.host,
    "flag:1",
  );
  let message = "";
  try {
    otlpTracesUrl("ftp://x", {});
  } catch (error) {
    message = (error as Error).message;
  }
  assert(message.startsWith('Invalid OTLP endpoint "ftp://x"'), message);
  assertEquals(otlpHeaders("api-key=a%3Db, x-team = core ,broken"), {
    "api-key": "a=b",
    "x-team": "core",
  });
});
