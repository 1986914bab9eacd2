import { assert, assertEquals, assertStringIncludes } from "../testing/assert.ts";
import { capturedCall } from "../testing/captured.ts";
import { CaptureQueue } from "./queue.ts";
import type { Analysis } from "../analysis/analysis.ts";
import { AnalysisPool } from "./pool.ts";

const chat = { model: "gpt-4o", messages: [{ role: "user", content: "Hi" }] };

function collect(queue: CaptureQueue, options: { workerUrl?: URL; callTimeoutMs?: number } = {}) {
  const results: Analysis[] = [];
  const pool = new AnalysisPool(queue, {
    workers: 1,
    onResult: (a) => void results.push(a),
    ...options,
  });
  pool.start();
  return { pool, results };
}

Deno.test("pool analyses queued calls and drains them all on stop", async () => {
  const queue = new CaptureQueue();
  const { pool, results } = collect(queue);
  for (let i = 0; i < 20; i++) {
    queue.submit(capturedCall("chat.completions", chat, null, { id: `c${i}` }));
  }
  assertEquals(await pool.stop(30_000), true);
  assertEquals(results.map((r) => r.record.id), Array.from({ length: 20 }, (_, i) => `c${i}`));
  assert(results.every((r) => r.record.attribution !== null));
  assertEquals(pool.stats().analysed, 20);
});

Deno.test("pool replaces a crashed worker and records its call with the error", async () => {
  const queue = new CaptureQueue();
  const { pool, results } = collect(queue, {
    workerUrl: new URL("../tests/misbehaving_worker.ts", import.meta.url),
  });
  queue.submit(
    capturedCall("chat.completions", chat, null, { id: "bad", path: "/crash/v1/chat/completions" }),
  );
  queue.submit(capturedCall("chat.completions", chat, null, { id: "good" }));
  await pool.stop(30_000);
  assertEquals(results.map((r) => r.record.id), ["bad", "good"]);
  assertStringIncludes(results[0].record.error ?? "", "the analysis worker crashed");
  assertEquals(results[0].record.status, 200, "what the proxy saw is kept");
  assert(results[1].record.attribution !== null, "the replacement worker analyses the next call");
  assertEquals(pool.stats().failed, 1);
});

Deno.test("pool stops a worker that overruns its time budget and goes on", async () => {
  const queue = new CaptureQueue();
  const { pool, results } = collect(queue, {
    workerUrl: new URL("../tests/misbehaving_worker.ts", import.meta.url),
    callTimeoutMs: 300,
  });
  queue.submit(
    capturedCall("chat.completions", chat, null, { id: "slow", path: "/hang/v1/chat/completions" }),
  );
  queue.submit(capturedCall("chat.completions", chat, null, { id: "next" }));
  await pool.stop(30_000);
  assertStringIncludes(results[0].record.error ?? "", "took longer than 0.3 s");
  assertEquals(results[1].record.id, "next");
  assert(results[1].record.attribution !== null);
});

Deno.test("pool analyses queued calls in batches, and a bad call in a batch costs only its own analysis", async () => {
  const queue = new CaptureQueue();
  queue.submit(capturedCall("chat.completions", chat, null, { id: "first" }));
  queue.submit(
    capturedCall("chat.completions", chat, null, { id: "bad", path: "/crash/v1/chat/completions" }),
  );
  queue.submit(capturedCall("chat.completions", chat, null, { id: "last" }));
  const { pool, results } = collect(queue, {
    workerUrl: new URL("../tests/misbehaving_worker.ts", import.meta.url),
  });
  await pool.stop(30_000);
  assertEquals(results.map((r) => r.record.id), ["first", "bad", "last"]);
  assert(results[0].record.attribution !== null && results[2].record.attribution !== null);
  assertStringIncludes(results[1].record.error ?? "", "the analysis worker crashed");
  assertEquals(pool.stats(), { workers: 1, analysed: 2, failed: 1, busy: 0 });
});

Deno.test("pool posts analyses on the port each worker is connected to, and only failed ones come back", async () => {
  const queue = new CaptureQueue();
  const arrived: Analysis[] = [];
  const ports: MessagePort[] = [];
  const results: Analysis[] = [];
  const pool = new AnalysisPool(queue, {
    workers: 1,
    workerUrl: new URL("../tests/misbehaving_worker.ts", import.meta.url),
    onResult: (a) => void results.push(a),
    connect: () => {
      const { port1, port2 } = new MessageChannel();
      port2.onmessage = (event: MessageEvent<Analysis[]>) => arrived.push(...event.data);
      ports.push(port2);
      return port1;
    },
  });
  pool.start();
  queue.submit(capturedCall("chat.completions", chat, null, { id: "first" }));
  queue.submit(
    capturedCall("chat.completions", chat, null, { id: "bad", path: "/crash/v1/chat/completions" }),
  );
  queue.submit(capturedCall("chat.completions", chat, null, { id: "last" }));
  await pool.stop(30_000);
  for (let i = 0; i < 100 && arrived.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
  assertEquals(arrived.map((a) => a.record.id), ["first", "last"]);
  assert(arrived.every((a) => a.record.attribution !== null));
  assertEquals(
    results.map((a) => a.record.id),
    ["bad"],
    "the failed call comes back as a bare record",
  );
  assertEquals(ports.length, 3, "each replacement worker got a port of its own");
  assertEquals(pool.stats(), { workers: 1, analysed: 2, failed: 1, busy: 0 });
  for (const port of ports) port.close();
});
