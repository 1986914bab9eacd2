import OpenAI from "openai";
import { assert, assertEquals, assertStringIncludes } from "../testing/assert.ts";
import { eventually, withRig } from "./_harness.ts";
import { openStore } from "../store/mod.ts";
import { startLlmprof } from "../server.ts";
import { testConfig } from "./_harness.ts";
import { startFakeUpstream } from "./fake_upstream.ts";

const api = (base: string, path: string) =>
  fetch(`${base}/_llmprof/api${path}`).then(async (r) => ({
    status: r.status,
    body: await r.json(),
  }));

/** Waits until the store holds `count` analysed calls. */
function stored(base: string, count: number): Promise<void> {
  return eventually(async () => {
    const { body } = await api(base, "/calls");
    return body.total >= count && body.calls.every((c: { analysed: boolean }) => c.analysed);
  }, `the store never held ${count} analysed calls`);
}

Deno.test("the calls API lists recorded calls and returns each full record", () =>
  withRig(async ({ llmprof }) => {
    const client = new OpenAI({ apiKey: "sk-test", baseURL: `${llmprof.url}/v1`, maxRetries: 0 });
    await client.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "first" }],
    });
    await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "second <script>x</script>" }],
    });
    await stored(llmprof.url, 2);

    const list = await api(llmprof.url, "/calls");
    assertEquals(list.status, 200);
    assertEquals(list.body.total, 2);
    assertEquals(list.body.calls.map((c: { model: string }) => c.model), ["gpt-4o-mini", "gpt-4o"]);
    const summary = list.body.calls[0];
    assert(summary.prompt_tokens > 0 && summary.completion_tokens > 0);
    assertEquals(summary.status, 200);

    const filtered = await api(llmprof.url, "/calls?model=gpt-4o&limit=1");
    assertEquals([filtered.body.total, filtered.body.calls.length], [1, 1]);

    const full = await api(llmprof.url, `/calls/${summary.id}`);
    assertEquals(full.status, 200);
    assertEquals(full.body.id, summary.id);
    assertEquals(full.body.api, "chat.completions");
    assertEquals(full.body.attribution.components.length, 8);
    assertStringIncludes(full.body.request, "second <script>x</script>");
  }, () => ({ analyse: true })));

Deno.test("the calls API answers unknown ids with 404 and bad parameters with 400, in JSON", () =>
  withRig(async ({ llmprof }) => {
    const missing = await api(llmprof.url, "/calls/nope");
    assertEquals(missing.status, 404);
    assertEquals(missing.body, { error: 'No call with id "nope"' });
    const bad = await api(llmprof.url, "/calls?sort=loudest");
    assertEquals(bad.status, 400);
    assertStringIncludes(bad.body.error, "sort must be time, cost or attention");
    assertEquals((await api(llmprof.url, "/calls?limit=-1")).status, 400);
    assertEquals((await api(llmprof.url, "/nothing-here")).status, 404);
  }));

Deno.test("graceful shutdown analyses and writes every call before it returns", async () => {
  const fake = startFakeUpstream({ record: false });
  const dir = await Deno.makeTempDir();
  const config = testConfig(fake.url, { db: `sqlite:${dir}/llmprof.db` });
  const llmprof = await startLlmprof(config, { log: () => {}, workers: 1, flushMs: 60_000 });
  const ids: string[] = [];
  await Promise.all(Array.from({ length: 40 }, async (_, i) => {
    const response = await fetch(`${llmprof.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: `call ${i}` }] }),
    });
    ids.push(response.headers.get("x-llmprof-call-id")!);
    await response.body?.cancel();
  }));
  await llmprof.shutdown();
  await fake.close();
  const store = await openStore(config.db);
  try {
    const { total } = await store.listCalls();
    assertEquals(total, 40);
    for (const id of ids) assert(await store.getCall(id), `call ${id} was written`);
  } finally {
    await store.close();
  }
});

Deno.test("the summary API reports daily, by-model and route totals with a monthly projection and its basis", () =>
  withRig(async ({ llmprof }) => {
    const client = new OpenAI({ apiKey: "sk-test", baseURL: `${llmprof.url}/v1`, maxRetries: 0 });
    for (const content of ["one", "two", "three"]) {
      await client.chat.completions.create({
        model: "gpt-4o",
        messages: [{ role: "system", content: "You answer in one word." }, {
          role: "user",
          content,
        }],
      });
    }
    await stored(llmprof.url, 3);
    const { status, body } = await api(llmprof.url, "/summary?days=14");
    assertEquals(status, 200);
    assertEquals(body.daily.length, 14);
    const today = body.daily.at(-1);
    assertEquals(today.calls, 3);
    assert(today.cost_usd > 0 && today.tokens > 0);
    assertEquals(body.by_model.map((m: { model: string; calls: number }) => [m.model, m.calls]), [[
      "gpt-4o",
      3,
    ]]);
    assertEquals(body.routes.length, 1);
    assertEquals(body.routes[0].label, "chat completions · gpt-4o · You answer in one word.");
    assertEquals(body.routes[0].calls, 3);
    // Three calls a moment apart are too little traffic to project a month from.
    assertEquals(body.projection.basis_calls, 3);
    assertEquals(body.projection.status, "too_little_data");
    assertEquals(body.projection.monthly_usd, null);
    assertEquals(body.projection.spent_usd, today.cost_usd);
    assertStringIncludes(body.projection.reason, "needs at least a day of traffic");
    assertEquals(body.reclaimable.status, "too_little_data");
    assertEquals(body.reclaimable.monthly_usd, null);
    assertEquals(body.reclaimable.so_far_usd, 0);
    // The trends page says the same, and sets today so far beside yesterday's whole day, not a percentage of it.
    const html = await (await fetch(`${llmprof.url}/_llmprof/trends`)).text();
    assertStringIncludes(html, body.projection.reason);
    assertStringIncludes(html, "cost today so far");
    assertStringIncludes(html, "yesterday, whole day: $0");
    assert(
      !html.includes("on yesterday") && !html.includes("none yesterday"),
      "no ratio to a day with no data",
    );
    assertEquals((await api(llmprof.url, "/summary?days=0")).status, 400);
  }, () => ({ analyse: true })));

Deno.test("a call whose count and report disagree shows the note on its page and sorts with the calls that need attention", () =>
  withRig(async ({ llmprof }) => {
    const { sampleRecord } = await import("../testing/records.ts");
    const { attribute } = await import("../analysis/attribute.ts");
    const { TokenCounter } = await import("../analysis/tokenizer.ts");
    const attribution = attribute(
      [{ component: "user input", text: "All work and no play. ".repeat(2_000) }],
      new TokenCounter("o200k_base"),
      { exact: false, reported: 100 },
    );
    const odd = sampleRecord({ id: "odd", created_at: "2026-11-27T09:00:00.000Z", attribution });
    const plain = sampleRecord({ id: "plain", created_at: "2026-11-27T10:00:00.000Z" });
    await llmprof.store.writeBatch([odd, plain].map((record) => ({ record, request: null })));

    const sorted = await api(llmprof.url, "/calls?sort=attention");
    assertEquals(sorted.body.calls.map((c: { id: string }) => c.id), ["odd", "plain"]);
    const html = await (await fetch(`${llmprof.url}/_llmprof/calls/odd`)).text();
    assertStringIncludes(html, "data-mismatch");
    assertStringIncludes(html, "the provider reported 100 prompt tokens where llmprof counted");
    assertStringIncludes(html, "a proxy in between trimmed or rewrote the prompt");
    const calm = await (await fetch(`${llmprof.url}/_llmprof/calls/plain`)).text();
    assert(!calm.includes("data-mismatch"));
  }));

Deno.test("a turn's API record gives back its request byte for byte and what it changed against the turn before; health and trends show the store's size", () =>
  withRig(async ({ llmprof }) => {
    const system = { role: "system", content: "You are a careful agent. ".repeat(20) };
    const ask = {
      role: "user",
      content: "Read the file a.ts and tell me what it exports, please.",
    };
    const call = {
      role: "assistant",
      content: null,
      tool_calls: [{
        id: "c1",
        type: "function",
        function: { name: "read_file", arguments: "{}" },
      }],
    };
    const result = {
      role: "tool",
      tool_call_id: "c1",
      content: "export const a = 1;\n".repeat(30),
    };
    const bodies = [
      JSON.stringify({ model: "gpt-4o", messages: [system, ask] }),
      JSON.stringify({ model: "gpt-4o", messages: [system, ask, call, result] }),
    ];
    for (const body of bodies) {
      const response = await fetch(`${llmprof.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer sk-test" },
        body,
      });
      await response.body?.cancel();
      await stored(llmprof.url, bodies.indexOf(body) + 1);
    }
    const list = await api(llmprof.url, "/calls");
    const [second, first] = list.body.calls;
    const record = await api(llmprof.url, `/calls/${second.id}`);
    assertEquals(record.body.request, bodies[1]);
    assertEquals((await api(llmprof.url, `/calls/${first.id}`)).body.request, bodies[0]);
    assertEquals(record.body.session?.id, first.session_id, "the second call continues the first");
    assertEquals(
      record.body.diff.blocks.map((b: { change: string; kind: string }) => `${b.change} ${b.kind}`),
      ["added tool calls", "added tool results"],
    );
    const health = await (await fetch(`${llmprof.url}/_llmprof/health`)).json();
    assertEquals(health.store.calls, 2);
    assert(health.store.bytes > 0);
    const trends = await (await fetch(`${llmprof.url}/_llmprof/trends`)).text();
    assertStringIncludes(trends, "data-store-size");
    assertStringIncludes(trends, "2 calls kept");
  }, () => ({ analyse: true })));
