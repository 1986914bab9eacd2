import { assertEquals, assertStringIncludes } from "../testing/assert.ts";
import { within } from "../tests/_harness.ts";
import type { BaseStore } from "../store/contract.ts";
import type { AppContext } from "./context.ts";
import { handleLocal } from "./mod.ts";

/** A context over a store whose every call hangs (a Postgres that is down) or fails. */
function contextWith(store: Partial<BaseStore>): AppContext {
  return {
    version: "test",
    store: { kind: "postgres", ...store } as BaseStore,
    queue: () => ({ pending: 0, dropped: 0, accepted: 0 }),
    analysis: () => ({ workers: 1, analysed: 0, failed: 0, busy: 0 }),
    writer: () => ({ backlog: 0, dropped: 0, written: 0, ok: true, error: null }),
  };
}

const get = (path: string, ctx: AppContext) => {
  const url = new URL(`http://127.0.0.1:4000${path}`);
  return handleLocal(new Request(url), url, ctx);
};

Deno.test("health answers from what it knows while the store does not answer, probing once", async () => {
  let probes = 0;
  const ctx = contextWith({
    health: () => {
      probes++;
      return new Promise(() => {});
    },
  });
  for (let i = 0; i < 3; i++) {
    const response = await within(
      get("/_llmprof/health", ctx),
      2_000,
      "health waited on the store",
    );
    const body = await response.json();
    assertEquals([body.status, body.store.ok], ["degraded", false]);
    assertStringIncludes(body.store.error, "has not answered");
  }
  assertEquals(probes, 1);
});

Deno.test("pages say in a readable page that the store is unreachable; the API answers JSON", async () => {
  const down = () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:5432"));
  const ctx = contextWith({
    listCalls: down,
    byModel: down,
    listRuns: down,
    spend: down,
    componentShares: down,
    findingCalls: down,
    stats: down,
  });
  const page = await get("/_llmprof/", ctx);
  assertEquals(page.status, 503);
  assertStringIncludes(page.headers.get("content-type") ?? "", "text/html");
  const text = await page.text();
  assertStringIncludes(text, "The store is unreachable");
  assertStringIncludes(text, "ECONNREFUSED");
  const api = await get("/_llmprof/api/calls", ctx);
  assertEquals(api.status, 503);
  assertStringIncludes((await api.json()).error, "The store did not answer");
});
