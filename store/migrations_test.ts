import { DatabaseSync } from "node:sqlite";
import { oldSqlite } from "../testing/old_store.ts";
import { assertEquals } from "../testing/assert.ts";
import { sampleRecord } from "../testing/records.ts";
import { SqliteStore } from "./sqlite_store.ts";

Deno.test("migration 7 keeps the latest call per conversation hash from a database written before it", async () => {
  const path = `${await Deno.makeTempDir()}/old.db`;
  const db = oldSqlite(path, 6);
  const insert = db.prepare(
    `INSERT INTO calls (id, created_at, created_ms, provider, api, status, session_id, turn, record, end_hash, loose_hash)
     VALUES (?, '2026-11-01T00:00:00Z', ?, 'openai', 'chat.completions', 200, ?, ?, '{}', ?, ?)`,
  );
  insert.run("old", 1_000, "run-a", 1, "h1", "l1");
  insert.run("newer", 2_000, "run-b", 3, "h1", "l1");
  insert.run("other", 1_500, "run-a", 2, "h2", null);
  insert.run("unchained", 3_000, null, null, "h3", null);
  db.close();

  const store = await SqliteStore.open(path);
  try {
    const rows = await store.chainCandidates(["h1", "h2", "h3", "l1", "missing"]);
    const byHash = Object.fromEntries(
      rows.map((r) => [r.endHash, [r.callId, r.sessionId, r.turn]]),
    );
    assertEquals(byHash, {
      h1: ["newer", "run-b", 3],
      h2: ["other", "run-a", 2],
      l1: ["newer", "run-b", 3],
    });
  } finally {
    await store.close();
  }
});

Deno.test("migration 12 fills in findings, components and per-day component totals for stored calls", async () => {
  const path = `${await Deno.makeTempDir()}/old.db`;
  const db = oldSqlite(path, 11);
  const record = sampleRecord({
    id: "stored",
    created_at: "2026-11-27T10:00:00.000Z",
    input: 1000,
    findings: [{ kind: "unused_tools", tokens: 10, usd: 0.01, detail: "x" }],
  });
  db.prepare(
    `INSERT INTO calls (id, created_at, created_ms, provider, api, status, record, reclaimable_usd)
     VALUES ('stored', ?, ?, 'openai', 'chat.completions', 200, ?, 0.01)`,
  ).run(record.created_at, Date.parse(record.created_at), JSON.stringify(record));
  db.close();

  const store = await SqliteStore.open(path);
  try {
    const [row] = (await store.listCalls({ findings: true })).calls;
    assertEquals(row.components, { "system prompt": 600, "user input": 400 });
    assertEquals(await store.componentShares({ since: "2026-11-27T00:00:00Z" }), [
      { component: "system prompt", tokens: 600 },
      { component: "user input", tokens: 400 },
    ]);
  } finally {
    await store.close();
  }
});

Deno.test("migration 16 replaces the five indexes leading with created_ms by one covering index", async () => {
  const path = `${await Deno.makeTempDir()}/old.db`;
  const db = oldSqlite(path, 15);
  const record = sampleRecord({ id: "stored", created_at: "2026-11-27T10:00:00.000Z" });
  db.prepare(
    `INSERT INTO calls (id, created_at, created_ms, provider, api, model, status, input_tokens, output_tokens, cost_usd, route_id, route_label, record)
     VALUES ('stored', ?, ?, 'openai', 'chat.completions', 'gpt-4o', 200, 1000, 100, 0.01, 'r1', 'agent', ?)`,
  ).run(record.created_at, Date.parse(record.created_at), JSON.stringify(record));
  db.close();

  const store = await SqliteStore.open(path);
  await store.close();
  const check = new DatabaseSync(path);
  try {
    const indexes = (check.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'calls' AND sql IS NOT NULL ORDER BY name",
    ).all() as Array<{ name: string }>).map((r) => r.name);
    for (
      const gone of [
        "calls_by_time",
        "calls_daily",
        "calls_models",
        "calls_routes",
        "calls_by_reclaimable",
      ]
    ) {
      assertEquals(indexes.includes(gone), false, gone);
    }
    assertEquals(indexes.includes("calls_by_time_covering"), true);
    const plan = (check.prepare(
      `EXPLAIN QUERY PLAN SELECT substr(created_at, 1, 10), count(*), sum(input_tokens + output_tokens), sum(coalesce(cost_usd, 0))
       FROM calls WHERE created_ms >= ? AND created_ms < ? GROUP BY substr(created_at, 1, 10)`,
    ).all(0, 1) as Array<{ detail: string }>).map((r) => r.detail).join("\n");
    assertEquals(plan.includes("COVERING INDEX calls_by_time_covering"), true, plan);
  } finally {
    check.close();
  }

  const reopened = await SqliteStore.open(path);
  try {
    const [day] = await reopened.dailySummary({ days: 1, now: new Date(record.created_at) });
    assertEquals(day, { day: "2026-11-27", calls: 1, tokens: 1100, cost_usd: 0.01 });
    assertEquals((await reopened.routes({ since: "2026-11-27T00:00:00Z" }))[0]?.id, "r1");
  } finally {
    await reopened.close();
  }
});
