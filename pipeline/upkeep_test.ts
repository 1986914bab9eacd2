import { oldSqlite } from "../testing/old_store.ts";
import { assert, assertEquals } from "../testing/assert.ts";
import { agentRun } from "../testing/agent_run.ts";
import { sampleCall, sampleRecord } from "../testing/records.ts";
import { SqliteStore } from "../store/sqlite_store.ts";
import { splitStoredRequests, startRetention } from "./upkeep.ts";

Deno.test("migration 8 stores the prompts of a store made by the schema before it as blocks, each reading back identical", async () => {
  const path = `${await Deno.makeTempDir()}/old.db`;
  const db = oldSqlite(path, 7);
  const insert = db.prepare(
    `INSERT INTO calls (id, created_at, created_ms, provider, api, status, record, request)
     VALUES (?, '2026-11-01T00:00:00Z', ?, 'openai', ?, 200, ?, ?)`,
  );
  const requests = new Map<string, string | null>();
  agentRun(7, { resultChars: 800 }).forEach((body, i) => {
    const id = `old-${i}`;
    requests.set(id, JSON.stringify(body, null, i % 2 ? 2 : undefined));
  });
  requests.set("not-json", "{ this is not JSON, but it was stored and must come back as it was");
  requests.set("passthrough", null);
  let n = 0;
  for (const [id, text] of requests) {
    const api = id === "passthrough" ? "passthrough" : "chat.completions";
    insert.run(id, n++, api, JSON.stringify(sampleRecord({ id })), text);
  }
  db.close();

  const store = await SqliteStore.open(path);
  try {
    const lines: string[] = [];
    const converted = await splitStoredRequests(store, { batch: 3, log: (l) => lines.push(l) });
    assertEquals(converted, 8);
    assert(
      lines.some((l) => l.includes("6 earlier calls stored as blocks")),
      "progress is printed per batch",
    );
    assertEquals(await store.unsplitRequests(10), []);
    for (const [id, text] of requests) assertEquals((await store.getCall(id))?.request, text, id);
    const blocks = await store.callBlocks(["old-6"]);
    assert(
      blocks["old-6"].some((b) => b.kind === "tool results"),
      "tool results became blocks of their own",
    );
    assertEquals(
      await splitStoredRequests(store, { log: () => {} }),
      0,
      "a second start has nothing left to convert",
    );
  } finally {
    await store.close();
  }
});

Deno.test("retention prunes calls older than its days in the background and keeps the rest", async () => {
  const store = await SqliteStore.open(":memory:");
  try {
    const now = Date.now();
    const call = (id: string, daysAgo: number) =>
      sampleCall({ id, created_at: new Date(now - daysAgo * 86_400_000).toISOString() });
    await store.writeBatch([call("old", 31), call("recent", 29)]);
    const lines: string[] = [];
    const retention = startRetention(store, 30, { log: (l) => lines.push(l) });
    try {
      for (let i = 0; i < 100 && (await store.stats()).calls > 1; i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
    } finally {
      retention.stop();
    }
    assertEquals(await store.getCall("old"), null);
    assert((await store.getCall("recent")) !== null);
    assert(
      lines.some((l) => l.includes("retention deleted 1 calls older than 30 days")),
      lines.join("\n"),
    );
  } finally {
    await store.close();
  }
});
