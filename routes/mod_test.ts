import { assertEquals, assertStringIncludes } from "../testing/assert.ts";
import type { BaseStore } from "../store/contract.ts";
import { type AppContext, handleLocal } from "./mod.ts";

/** A store whose every query fails as an unreachable database does. */
function downStore(): BaseStore {
  const fail = () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:5432"));
  return {
    kind: "postgres",
    writeBatch: fail,
    getCall: fail,
    listCalls: fail,
    listRuns: fail,
    getRun: fail,
    runGrowth: fail,
    componentShares: fail,
    findingCalls: fail,
    dailySummary: fail,
    byModel: fail,
    routes: fail,
    chainCandidates: fail,
    callByResponseId: fail,
    runTurns: fail,
    runLinks: fail,
    addSpawns: fail,
    openSpawns: fail,
    claimSpawn: fail,
    childCount: fail,
    spend: fail,
    recordInstance: fail,
    latestInstance: fail,
    lastReset: fail,
    callBlocks: fail,
    unsplitRequests: fail,
    splitRequests: fail,
    prune: fail,
    stats: fail,
    reset: fail,
    health: () => Promise.resolve({ ok: false, error: "connect ECONNREFUSED" }),
    close: () => Promise.resolve(),
  };
}

function context(store: BaseStore): AppContext {
  return {
    version: "test",
    store,
    queue: () => ({ pending: 0, dropped: 0, accepted: 0 }),
    analysis: () => ({ workers: 1, analysed: 0, failed: 0, busy: 0 }),
    writer: () => ({ ok: true, backlog: 0, dropped: 0, written: 0, error: null }),
  };
}

function get(path: string, ctx: AppContext): Promise<Response> {
  const url = new URL(`http://127.0.0.1:4000${path}`);
  return handleLocal(new Request(url), url, ctx);
}

Deno.test("a path segment that is not valid percent-encoding is a 400, not a store failure", async () => {
  for (const path of ["/_llmprof/calls/%E0%A4%A", "/_llmprof/api/calls/%E0%A4%A"]) {
    const response = await get(path, context(downStore()));
    assertEquals(response.status, 400, path);
    assertStringIncludes((await response.json()).error, "Malformed percent-encoding");
  }
});

Deno.test("when the store does not answer, the API says so in JSON and pages in a readable page", async () => {
  const api = await get("/_llmprof/api/calls", context(downStore()));
  assertEquals(api.status, 503);
  assertStringIncludes((await api.json()).error, "The store did not answer");
  const page = await get("/_llmprof/", context(downStore()));
  assertEquals(page.status, 503);
  assertEquals(page.headers.get("content-type"), "text/html; charset=utf-8");
  const html = await page.text();
  assertStringIncludes(html, "The store is unreachable");
  assertStringIncludes(html, "ECONNREFUSED");
});

Deno.test("unknown paths of llmprof's own are a JSON 404", async () => {
  for (const path of ["/_llmprof/nope", "/_llmprof/api/calls/a/b", "/_llmprof/calls/"]) {
    const response = await get(path, context(downStore()));
    assertEquals(response.status, 404, path);
  }
});
