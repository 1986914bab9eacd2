import { oldSqlite } from "../testing/old_store.ts";
import { assert, assertEquals } from "../testing/assert.ts";
import { agentRun } from "../testing/agent_run.ts";
import { sampleCall, sampleRecord } from "../testing/records.ts";
import { SqliteStore } from "../store/sqlite_store.ts";
import { POSTGRES_DIALECT, PostgresStore, toDollarParams } from "../store/postgres_store.ts";
import { migrations } from "../store/migrations.ts";
import type { BaseStore } from "../store/contract.ts";
import { freshDatabase, testPostgresUrl } from "../testing/postgres.ts";
import postgres from "postgres";
import { splitStoredRequests, startRetention } from "./upkeep.ts";

/** The requests an older llmprof stored whole, by call id: an agent run's, some pretty-printed, one not JSON, one not captured. */
function oldRequests(): Map<string, string | null> {
  const requests = new Map<string, string | null>();
  agentRun(7, { resultChars: 800 }).forEach((body, i) => {
    const id = `old-${i}`;
    requests.set(id, JSON.stringify(body, null, i % 2 ? 2 : undefined));
  });
  requests.set("not-json", "{ this is not JSON, but it was stored and must come back as it was");
  requests.set("passthrough", null);
  return requests;
}

const OLD_INSERT =
  `INSERT INTO calls (id, created_at, created_ms, provider, api, status, record, request)
  VALUES (?, '2026-11-01T00:00:00Z', ?, 'openai', ?, 200, ?, ?)`;

/** The rows of {@linkcode OLD_INSERT} for the old requests. */
function oldRows(requests: Map<string, string | null>): Array<Array<string | number | null>> {
  return [...requests].map(([id, text], n) => [
    id,
    n,
    id === "passthrough" ? "passthrough" : "chat.completions",
    JSON.stringify(sampleRecord({ id })),
    text,
  ]);
}

/** Converts a migrated store's old calls and checks each reads back identical. */
async function checkConverted(store: BaseStore, requests: Map<string, string | null>) {
  {
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
  }
}

Deno.test("migration 10 stores the prompts of a SQLite store made by the schema before it as blocks, each reading back identical", async () => {
  const path = `${await Deno.makeTempDir()}/old.db`;
  const db = oldSqlite(path, 9);
  const requests = oldRequests();
  const insert = db.prepare(OLD_INSERT);
  for (const row of oldRows(requests)) insert.run(...row);
  db.close();
  const store = await SqliteStore.open(path);
  try {
    await checkConverted(store, requests);
  } finally {
    await store.close();
  }
});

const pgServer = await testPostgresUrl();
Deno.test({
  name:
    "migration 10 stores the prompts of a Postgres store made by the schema before it as blocks, each reading back identical",
  ignore: pgServer === null,
  async fn() {
    const url = await freshDatabase(pgServer!);
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      await sql.unsafe(
        "CREATE TABLE llmprof_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
      );
      for (const m of migrations(POSTGRES_DIALECT)) {
        if (m.version > 9) break;
        for (const statement of m.sql) await sql.unsafe(statement);
        await sql.unsafe("INSERT INTO llmprof_migrations VALUES ($1, $2)", [
          m.version,
          "2026-11-01",
        ]);
      }
      const requests = oldRequests();
      for (const row of oldRows(requests)) await sql.unsafe(toDollarParams(OLD_INSERT), row);
      const store = await PostgresStore.open(url);
      try {
        await checkConverted(store, requests);
      } finally {
        await store.close();
      }
    } finally {
      await sql.end();
    }
  },
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
