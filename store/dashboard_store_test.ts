// The dashboard's queries on every store: filters, text search, runs by cost, context growth,
// component shares and findings across calls. SQLite on a temporary file and a real PostgreSQL.
import { assert, assertEquals } from "../testing/assert.ts";
import { freshDatabase, testPostgresUrl } from "../testing/postgres.ts";
import { sampleCall, sampleRecord } from "../testing/records.ts";
import type { BaseStore, StoredCall } from "./contract.ts";
import { MARK_END, MARK_START, SEARCH_MATCHES } from "./contract.ts";
import { openStore } from "./open_store.ts";
import { blockHash } from "../core/blocks.ts";

const pgServer = await testPostgresUrl();
const backends: Array<[string, () => Promise<string>]> = [
  [
    "sqlite",
    async () => `sqlite:${await Deno.makeTempDir({ prefix: "llmprof-store-" })}/llmprof.db`,
  ],
];
if (pgServer) backends.push(["postgres", () => freshDatabase(pgServer)]);

function contract(name: string, fn: (store: BaseStore) => Promise<void>) {
  for (const [kind, makeUrl] of backends) {
    Deno.test(`${kind} store: ${name}`, async () => {
      const store = await openStore(await makeUrl());
      try {
        await fn(store);
      } finally {
        await store.close();
      }
    });
  }
}

const at = (minutesAgo: number) =>
  new Date(Date.parse("2026-11-27T12:00:00Z") - minutesAgo * 60_000).toISOString();

const run = (id: string, turn: number, name?: string) => ({
  id,
  turn,
  source: "new" as const,
  parent_id: null,
  retry_of: null,
  fork: false,
  ...(name ? { name } : {}),
});

/** A call whose prompt is split into blocks, as the analysis writes it. */
function splitCall(id: string, texts: string[], response: string | null): StoredCall {
  const blocks = texts.map((text) => ({
    hash: blockHash(text),
    text,
    kind: "user input" as const,
    label: null,
    tokens: 10,
  }));
  const record = sampleRecord({
    id,
    created_at: at(1),
    response: response === null ? null : {
      id: null,
      text: response,
      thinking: "",
      tool_calls: [],
      stop_reason: "stop",
      complete: true,
    },
  });
  return { record, request: null, blocks: { blocks, refs: blocks.map((b) => b.hash) } };
}

const ids = async (store: BaseStore, q: Parameters<BaseStore["listCalls"]>[0]) =>
  (await store.listCalls(q)).calls.map((c) => c.id).sort();

contract("filters calls by provider, status, findings and passthrough", async (store) => {
  await store.writeBatch([
    sampleCall({ id: "openai-ok", created_at: at(5) }),
    sampleCall({ id: "anthropic-ok", provider: "anthropic", api: "messages", created_at: at(4) }),
    sampleCall({ id: "failed", status: 500, error: "upstream 500", created_at: at(3) }),
    sampleCall({
      id: "wasteful",
      created_at: at(2),
      findings: [{ kind: "unused_tools", tokens: 300, usd: 0.002, detail: "3 tools never called" }],
    }),
    sampleCall({ id: "models-list", api: "passthrough", created_at: at(1) }),
  ]);
  assertEquals(await ids(store, { provider: "anthropic" }), ["anthropic-ok"]);
  assertEquals(await ids(store, { status: "error" }), ["failed"]);
  assertEquals((await ids(store, { status: "ok" })).includes("failed"), false);
  assertEquals(await ids(store, { findings: true }), ["wasteful"]);
  assertEquals((await ids(store, { passthrough: false })).includes("models-list"), false);
  assertEquals((await ids(store, {})).includes("models-list"), true);
  const [row] = (await store.listCalls({ provider: "anthropic" })).calls;
  assertEquals(row.components, { "system prompt": 600, "user input": 400 });
});

contract("names each call's run by its client and first message", async (store) => {
  await store.writeBatch([
    sampleCall({ id: "named", session: run("r1", 1, "claude-code · “fix the bug”") }),
    sampleCall({ id: "plain", session: run("r2", 1) }),
  ]);
  const calls = (await store.listCalls()).calls;
  const name = (id: string) => calls.find((c) => c.id === id)?.run_name;
  assertEquals(name("named"), "claude-code · “fix the bug”");
  assertEquals(name("plain"), null);
});

contract("searches prompts and responses, with the match marked in a snippet", async (store) => {
  const payload = "<img src=x onerror=alert(1)> please rotate the flamingo logs";
  await store.writeBatch([
    splitCall("first", ["You are a helpful assistant.", payload], "Rotated the logs."),
    splitCall("second", ["You are a helpful assistant.", "now count the pelicans"], null),
    sampleCall({ id: "whole", created_at: at(2) }, '{"messages":[{"content":"zebra crossing"}]}'),
  ]);
  assertEquals(await ids(store, { q: "flamingo" }), ["first"]);
  assertEquals(await ids(store, { q: "pelicans" }), ["second"]);
  assertEquals(await ids(store, { q: "rotated" }), ["first"], "responses are searched too");
  assertEquals(await ids(store, { q: "zebra" }), ["whole"], "an unsplit request is searched whole");
  assertEquals(await ids(store, { q: '"rotate the flamingo"' }), ["first"]);
  assertEquals(await ids(store, { q: '"flamingo rotate"' }), [], "a phrase keeps its order");
  assertEquals(await ids(store, { q: "flamingo pelicans" }), [], "every word must occur");
  assertEquals(await ids(store, { q: "flamingo", provider: "anthropic" }), []);
  const result = await store.listCalls({ q: "flamingo" });
  assertEquals(result.total, 1);
  const snippet = result.calls[0].snippet ?? "";
  assert(snippet.includes(`${MARK_START}flamingo${MARK_END}`), snippet);
  assert(snippet.includes("<img"), "the snippet is the stored text, unescaped: pages escape it");
  assertEquals((await store.listCalls()).calls[0].snippet, undefined);
  await store.reset();
  assertEquals(await ids(store, { q: "flamingo" }), []);
});

contract("lists runs by cost since a time, with each run's context growth", async (store) => {
  await store.writeBatch([
    sampleCall({ session: run("cheap", 1), created_at: at(30), cost_usd: 0.01, input: 100 }),
    sampleCall({ session: run("dear", 1), created_at: at(20), cost_usd: 0.2, input: 1000 }),
    sampleCall({ session: run("dear", 2), created_at: at(10), cost_usd: 0.3, input: 3000 }),
    sampleCall({ session: run("old", 1), created_at: at(60 * 24 * 30), cost_usd: 9 }),
  ]);
  const runs = await store.listRuns({ since: at(60), sort: "cost" });
  assertEquals(runs.map((r) => r.id), ["dear", "cheap"]);
  assertEquals(await store.runGrowth(["dear", "cheap"]), { dear: [1000, 3000], cheap: [100] });
});

contract("sums prompt tokens per component over the days since a time", async (store) => {
  await store.writeBatch([
    sampleCall({ created_at: at(10), input: 1000 }),
    sampleCall({ created_at: at(20), input: 2000 }),
    sampleCall({ created_at: at(60 * 24 * 10), input: 50_000 }),
  ]);
  assertEquals(await store.componentShares({ since: at(60) }), [
    { component: "system prompt", tokens: 1800 },
    { component: "user input", tokens: 1200 },
  ]);
});

contract("finds the calls whose findings would save the most", async (store) => {
  const finding = (usd: number) => ({
    kind: "unused_tools" as const,
    tokens: 10,
    usd,
    detail: "x",
  });
  await store.writeBatch([
    sampleCall({ id: "small", created_at: at(5), findings: [finding(0.001)] }),
    sampleCall({ id: "big", created_at: at(4), findings: [finding(0.05)] }),
    sampleCall({ id: "none", created_at: at(3) }),
  ]);
  const found = await store.findingCalls({ since: at(60), limit: 10 });
  assertEquals(found.map((f) => f.call_id), ["big", "small"]);
  assertEquals(found[0].findings[0].usd, 0.05);
});

contract(
  "a search counts the newest 1,000 matching calls and says there were more",
  async (store) => {
    const calls = Array.from(
      { length: SEARCH_MATCHES + 5 },
      (_, i) =>
        splitCall(`c${String(i).padStart(5, "0")}`, [`a common word: heron, number ${i}`], null),
    );
    for (let i = 0; i < calls.length; i += 500) {
      await store.writeBatch(calls.slice(i, i + 500));
    }
    const found = await store.listCalls({ q: "heron", limit: 10 });
    assertEquals(found.total, SEARCH_MATCHES);
    assertEquals(found.capped, true);
    assertEquals(found.calls.length, 10);
    assert(found.calls.every((c) => c.snippet?.includes(`${MARK_START}heron${MARK_END}`)));
    const rare = await store.listCalls({ q: '"number 7"' });
    assertEquals([rare.total, rare.capped ?? false], [1, false]);
  },
);
