// One suite, every store: SQLite on a temporary file and a real PostgreSQL.
import { assert, assertEquals } from "../testing/assert.ts";
import { freshDatabase, testPostgresUrl } from "../testing/postgres.ts";
import { sampleCall } from "../testing/records.ts";
import type { BaseStore } from "./contract.ts";
import { openStore } from "./open_store.ts";

const pgServer = await testPostgresUrl();
const backends: Array<[string, () => Promise<string>]> = [
  [
    "sqlite",
    async () => `sqlite:${await Deno.makeTempDir({ prefix: "llmprof-store-" })}/llmprof.db`,
  ],
];
if (pgServer) backends.push(["postgres", () => freshDatabase(pgServer)]);

function contract(name: string, fn: (store: BaseStore, url: string) => Promise<void>) {
  for (const [kind, makeUrl] of backends) {
    Deno.test(`${kind} store: ${name}`, async () => {
      const url = await makeUrl();
      const store = await openStore(url);
      try {
        assertEquals(store.kind, kind);
        await fn(store, url);
      } finally {
        await store.close();
      }
    });
  }
}

const at = (minutesAgo: number, now = Date.parse("2026-11-27T12:00:00Z")) =>
  new Date(now - minutesAgo * 60_000).toISOString();

contract("writes a batch and reads each call back whole", async (store) => {
  const calls = [
    sampleCall({ model: "gpt-4o" }),
    sampleCall({ model: "claude-sonnet-4-6", provider: "anthropic", api: "messages" }),
  ];
  await store.writeBatch(calls);
  for (const call of calls) assertEquals(await store.getCall(call.record.id), call);
  assertEquals(await store.getCall("no-such-call"), null);
});

contract("writing a call twice keeps one copy", async (store) => {
  const call = sampleCall({
    session: { id: "s1", turn: 1, source: "new", parent_id: null, retry_of: null, fork: false },
  });
  await store.writeBatch([call]);
  await store.writeBatch([call, sampleCall()]);
  assertEquals((await store.listCalls()).total, 2);
  assertEquals((await store.listRuns())[0].calls, 1, "the session counts the call once");
});

contract(
  "lists calls newest first, by cost or by attention, with paging and a total",
  async (store) => {
    await store.writeBatch([
      sampleCall({ id: "old-cheap", created_at: at(30), cost_usd: 0.001 }),
      sampleCall({ id: "mid-dear", created_at: at(20), cost_usd: 0.5 }),
      sampleCall({ id: "new-unpriced", created_at: at(10), cost_usd: null }),
      sampleCall({ id: "failed", created_at: at(40), status: 500, error: "upstream 500" }),
    ]);
    const ids = async (q: Parameters<BaseStore["listCalls"]>[0]) =>
      (await store.listCalls(q)).calls.map((c) => c.id);
    assertEquals(await ids({}), ["new-unpriced", "mid-dear", "old-cheap", "failed"]);
    assertEquals(await ids({ sort: "cost" }), ["mid-dear", "failed", "old-cheap", "new-unpriced"]);
    assertEquals((await ids({ sort: "attention" }))[0], "failed");
    const page = await store.listCalls({ limit: 2, offset: 1 });
    assertEquals([page.total, page.calls.map((c) => c.id)], [4, ["mid-dear", "old-cheap"]]);
    const summary = page.calls[0];
    assertEquals([
      summary.prompt_tokens,
      summary.completion_tokens,
      summary.cost_usd,
      summary.top_component,
    ], [1000, 100, 0.5, "system prompt"]);
  },
);

contract(
  "pages through calls made in one millisecond without skipping or repeating one",
  async (store) => {
    const created = at(5);
    const ids = Array.from({ length: 60 }, (_, i) => `same-ms-${String(i).padStart(2, "0")}`);
    // Written in a shuffled order, so the table's order is not the ids' order.
    const shuffled = ids.map((id, i) => ({ id, key: (i * 37) % 60 })).sort((a, b) => a.key - b.key);
    await store.writeBatch(shuffled.map(({ id }) => sampleCall({ id, created_at: created })));
    for (const sort of [undefined, "cost", "attention"] as const) {
      const seen: string[] = [];
      for (let offset = 0; offset < ids.length; offset += 7) {
        seen.push(...(await store.listCalls({ sort, limit: 7, offset })).calls.map((c) => c.id));
      }
      assertEquals(seen, [...ids].reverse(), `sorted by ${sort ?? "time"}`);
    }
  },
);

contract("filters calls by model, session and time range", async (store) => {
  await store.writeBatch([
    sampleCall({
      id: "a",
      model: "gpt-4o",
      created_at: at(5),
      session: {
        id: "run-1",
        turn: 1,
        source: "new",
        parent_id: null,
        retry_of: null,
        fork: false,
      },
    }),
    sampleCall({
      id: "b",
      model: "gpt-4o-mini",
      created_at: at(15),
      session: {
        id: "run-1",
        turn: 2,
        source: "chain",
        parent_id: null,
        retry_of: null,
        fork: false,
      },
    }),
    sampleCall({ id: "c", model: "gpt-4o", created_at: at(25) }),
  ]);
  assertEquals((await store.listCalls({ model: "gpt-4o" })).calls.map((c) => c.id), ["a", "c"]);
  assertEquals((await store.listCalls({ session: "run-1" })).total, 2);
  assertEquals((await store.listCalls({ since: at(20), until: at(10) })).calls.map((c) => c.id), [
    "b",
  ]);
});

contract("keeps sessions with their turns, cost and first and last prompt sizes", async (store) => {
  await store.writeBatch([
    sampleCall({
      id: "t2",
      created_at: at(9),
      input: 2_000,
      cost_usd: 0.2,
      session: {
        id: "run",
        turn: 2,
        source: "chain",
        parent_id: null,
        retry_of: null,
        fork: false,
      },
    }),
    sampleCall({
      id: "t1",
      created_at: at(10),
      input: 1_000,
      cost_usd: 0.1,
      session: { id: "run", turn: 1, source: "new", parent_id: null, retry_of: null, fork: false },
    }),
  ]);
  await store.writeBatch([
    sampleCall({
      id: "t3",
      created_at: at(8),
      input: 5_000,
      cost_usd: 0.3,
      usage: {
        input_tokens: 5_000,
        output_tokens: 100,
        cache_read_tokens: 4_000,
        cache_write_tokens: 0,
        cache_write_1h_tokens: 0,
        reasoning_tokens: 0,
        source: "provider",
      },
      session: {
        id: "run",
        turn: 3,
        source: "chain",
        parent_id: null,
        retry_of: null,
        fork: false,
      },
    }),
  ]);
  const [session] = await store.listRuns();
  assertEquals(session.id, "run");
  assertEquals(session.calls, 3);
  assertEquals([session.first_at, session.last_at], [at(10), at(8)]);
  assertEquals([session.first_prompt_tokens, session.last_prompt_tokens], [1_000, 5_000]);
  assert(Math.abs(session.cost_usd - 0.6) < 1e-9);
  const turns = await store.getRun("run");
  assertEquals(turns.map((t) => [t.call_id, t.turn, t.prompt_tokens]), [["t1", 1, 1000], [
    "t2",
    2,
    2000,
  ], ["t3", 3, 5000]]);
  assertEquals(turns[0].components, { "system prompt": 600, "user input": 400 });
  assertEquals(turns.map((t) => t.cache_read_tokens), [0, 0, 4_000]);
  assertEquals(await store.getRun("none"), []);
});

contract("summarises by day, by model and by route", async (store) => {
  const now = new Date("2026-11-27T12:00:00Z");
  await store.writeBatch([
    sampleCall({
      created_at: "2026-11-27T01:00:00.000Z",
      cost_usd: 1,
      input: 10,
      output: 5,
      route: { id: "r1", label: "You are a coder · 3 tools" },
    }),
    sampleCall({
      created_at: "2026-11-27T02:00:00.000Z",
      cost_usd: 2,
      input: 10,
      output: 5,
      model: "gpt-5",
      route: { id: "r1", label: "You are a coder · 3 tools" },
    }),
    sampleCall({
      created_at: "2026-11-25T23:59:59.000Z",
      cost_usd: 4,
      input: 1,
      output: 1,
      route: { id: "r2", label: "Summarise" },
    }),
    sampleCall({ created_at: "2026-11-01T00:00:00.000Z", cost_usd: 100 }),
  ]);
  const days = await store.dailySummary({ days: 3, now });
  assertEquals(days, [
    { day: "2026-11-25", calls: 1, tokens: 2, cost_usd: 4 },
    { day: "2026-11-26", calls: 0, tokens: 0, cost_usd: 0 },
    { day: "2026-11-27", calls: 2, tokens: 30, cost_usd: 3 },
  ]);
  const models = await store.byModel({ since: "2026-11-20T00:00:00Z" });
  assertEquals(models.map((m) => [m.model, m.calls, m.cost_usd]), [["gpt-4o", 2, 5], [
    "gpt-5",
    1,
    2,
  ]]);
  const routes = await store.routes({ since: "2026-11-20T00:00:00Z" });
  assertEquals(routes.map((r) => [r.id, r.label, r.calls, r.cost_usd]), [
    ["r2", "Summarise", 1, 4],
    ["r1", "You are a coder · 3 tools", 2, 3],
  ]);
});

contract("reset deletes every call, session and chain head", async (store) => {
  await store.writeBatch([{
    ...sampleCall({
      session: { id: "s", turn: 1, source: "new", parent_id: null, retry_of: null, fork: false },
    }),
    endHash: "h1",
  }]);
  assertEquals((await store.chainCandidates(["h1"])).length, 1);
  await store.reset();
  assertEquals((await store.listCalls()).total, 0);
  assertEquals(await store.listRuns(), []);
  assertEquals(await store.chainCandidates(["h1"]), []);
  assertEquals((await store.health()).ok, true);
});

contract("opening the same database again runs no migration twice", async (store, url) => {
  await store.writeBatch([sampleCall({ id: "kept" })]);
  const again = await openStore(url);
  try {
    assertEquals((await again.getCall("kept"))?.record.id, "kept");
  } finally {
    await again.close();
  }
});

contract("sums spend and reclaimable dollars since a time", async (store) => {
  await store.writeBatch([
    sampleCall({
      created_at: at(60),
      cost_usd: 1,
      findings: [{ kind: "duplicated_content", tokens: 10, usd: 0.25, detail: "" }],
    }),
    sampleCall({ created_at: at(30), cost_usd: 2 }),
    sampleCall({ created_at: at(600), cost_usd: 100 }),
  ]);
  const spend = await store.spend({ since: at(120) });
  assertEquals(spend, {
    calls: 2,
    cost_usd: 3,
    reclaimable_usd: 0.25,
    first_at: at(60),
    last_at: at(30),
  });
});

contract(
  "finds earlier calls of a run by conversation hash, response id, turn and children",
  async (store) => {
    const run = (turn: number, parent: string | null) => ({
      id: "run",
      turn,
      source: "chain" as const,
      parent_id: parent,
      retry_of: null,
      fork: false,
    });
    await store.writeBatch([
      { ...sampleCall({ id: "t1", created_at: at(3), session: run(1, null) }), endHash: "h1" },
      {
        ...sampleCall({
          id: "t2",
          created_at: at(2),
          session: run(2, "t1"),
          response: {
            id: "resp_2",
            text: "",
            thinking: "",
            tool_calls: [],
            stop_reason: null,
            complete: true,
          },
        }),
        endHash: "h2",
      },
      {
        ...sampleCall({ id: "t2-retry", created_at: at(1), session: run(2, null) }),
        endHash: "h2",
        looseHash: "l2",
      },
      { ...sampleCall({ id: "lonely", created_at: at(1) }), endHash: "h9" },
    ]);
    const found = await store.chainCandidates(["h0", "h1", "h2", "h9", "l2"]);
    assertEquals(found.map((r) => [r.endHash, r.callId, r.turn]).sort(), [
      ["h1", "t1", 1],
      ["h2", "t2-retry", 2],
      ["l2", "t2-retry", 2],
    ]);
    assertEquals((await store.callByResponseId("resp_2"))?.callId, "t2");
    assertEquals(await store.callByResponseId("resp_none"), null);
    assertEquals(await store.runTurns("run"), 2);
    assertEquals(await store.runTurns("nothing"), 0);
    assertEquals(await store.childCount("t1"), 1);
  },
);

contract(
  "an analysed record replaces the proxy's unanalysed row, and nothing else does",
  async (store) => {
    const basic = sampleCall({ id: "c", model: null, error: null });
    await store.writeBatch([{ ...basic, analysed: false }]);
    assertEquals((await store.getCall("c"))?.record.model, null);
    const full = sampleCall({
      id: "c",
      model: "gpt-4o",
      session: { id: "s", turn: 1, source: "new", parent_id: null, retry_of: null, fork: false },
    });
    await store.writeBatch([full]);
    assertEquals((await store.getCall("c"))?.record.model, "gpt-4o");
    await store.writeBatch([{ ...basic, analysed: false }, full]);
    assertEquals(
      (await store.getCall("c"))?.record.model,
      "gpt-4o",
      "a late unanalysed copy does not undo the analysis",
    );
    assertEquals((await store.listRuns())[0].calls, 1, "the session counted the call once");
    await store.writeBatch([
      { ...sampleCall({ id: "d" }), analysed: false },
      sampleCall({ id: "d", model: "gpt-5" }),
    ]);
    assertEquals(
      (await store.getCall("d"))?.record.model,
      "gpt-5",
      "in one batch the analysed record wins",
    );
    assertEquals((await store.listCalls()).total, 2);
  },
);

contract("records the address of each llmprof that opened it, the latest first", async (store) => {
  assertEquals(await store.latestInstance(), null);
  await store.recordInstance({ address: "http://127.0.0.1:4000/_llmprof/", started_at: at(60) });
  await store.recordInstance({ address: "http://10.0.0.5:4100/_llmprof/", started_at: at(30) });
  assertEquals(await store.latestInstance(), {
    address: "http://10.0.0.5:4100/_llmprof/",
    started_at: at(30),
  });
  await store.recordInstance({ address: "http://127.0.0.1:4000/_llmprof/", started_at: at(10) });
  assertEquals((await store.latestInstance())?.address, "http://127.0.0.1:4000/_llmprof/");
});

contract(
  "keeps a turn's spawns until one subagent claims each, across a reopen",
  async (store, url) => {
    const spawn = (id: string, prompt: string, createdMs: number) => ({
      id,
      key: "S",
      prompt,
      runId: "S",
      turn: 2,
      createdMs,
    });
    await store.addSpawns([
      spawn("c2:0", "Read the notes", 1_000),
      spawn("c2:1", "Run the tests", 2_000),
    ]);
    await store.addSpawns([spawn("c2:0", "kept once", 3_000)]);
    await store.addSpawns([{ ...spawn("c9:0", "Other session", 1_500), key: "T" }]);
    assertEquals((await store.openSpawns("S")).map((s) => [s.id, s.prompt]), [
      ["c2:0", "Read the notes"],
      ["c2:1", "Run the tests"],
    ]);
    assertEquals(await store.claimSpawn("c2:0", "sub-1"), true);
    assertEquals(await store.claimSpawn("c2:0", "sub-2"), false, "a spawn is claimed once");
    assertEquals(await store.claimSpawn("no-such-spawn", "sub-2"), false);
    // Another instance (or a restart) on the same database sees what is still open.
    const again = await openStore(url);
    try {
      assertEquals(await again.openSpawns("S"), [spawn("c2:1", "Run the tests", 2_000)]);
    } finally {
      await again.close();
    }
    await store.reset();
    assertEquals(await store.openSpawns("T"), []);
  },
);

contract("a run's links are its first call's name, parent run and parent turn", async (store) => {
  const session = {
    turn: 1,
    source: "subagent" as const,
    parent_id: null,
    retry_of: null,
    fork: false,
  };
  await store.writeBatch([
    sampleCall({
      id: "sub-1",
      session: {
        ...session,
        id: "sub",
        name: "Claude Code · “Read”",
        parent_run: "S",
        parent_turn: 2,
      },
    }),
    sampleCall({ id: "sub-2", session: { ...session, id: "sub", turn: 2, source: "chain" } }),
  ]);
  assertEquals(await store.runLinks("sub"), {
    name: "Claude Code · “Read”",
    parent_run: "S",
    parent_turn: 2,
  });
  assertEquals(await store.runLinks("no-such-run"), null);
});
