/**
 * Prompts stored once: the bytes one 100-turn agent run leaves in the store (database and
 * WAL after a checkpoint, or the Postgres tables), against its last request's size; and
 * bytes per call for 1,000 unrelated small calls. Each side by side with the whole request
 * text stored per call, as before blocks.
 */
import { analyzeCall, newCounters } from "../analysis/analyze.ts";
import { capturedCall, storedTurn } from "../testing/captured.ts";
import { agentRun } from "../testing/agent_run.ts";
import { pgBinDir, startPostgres } from "../testing/postgres.ts";
import { PostgresStore, SqliteStore, type StoredCall } from "../store/mod.ts";
import type { BaseStore } from "../store/contract.ts";
import postgres from "postgres";

const RESPONSE = {
  id: "r",
  choices: [{ message: { role: "assistant", content: "Done." }, finish_reason: "tool_calls" }],
  usage: { prompt_tokens: 1000, completion_tokens: 20 },
};

/** The 100-turn run: 12 KB system prompt, 25 tools, a ~4 KB tool result per turn, analysed. */
export function agentCalls(): { calls: StoredCall[]; lastBytes: number; sentBytes: number } {
  const counters = newCounters();
  const bodies = agentRun(100, { systemChars: 12_000, resultChars: 4_000, tools: 25 });
  let sentBytes = 0;
  let lastBytes = 0;
  const calls = bodies.map((body, i) => {
    const text = JSON.stringify(body);
    sentBytes += text.length;
    lastBytes = text.length;
    const call = capturedCall("chat.completions", text, RESPONSE, {
      startedAt: Date.parse("2026-11-27T10:00:00Z") + i * 1_000,
    });
    const a = analyzeCall(call, { counters });
    return storedTurn(a, "bench-run", i);
  });
  return { calls, lastBytes, sentBytes };
}

/** 1,000 unrelated small calls: a one-message question each. */
function smallCalls(): StoredCall[] {
  const counters = newCounters();
  return Array.from({ length: 1_000 }, (_, i) => {
    const text = JSON.stringify({
      model: "gpt-4o-mini",
      messages: [{
        role: "user",
        content: `Question ${i}: what is ${i} times ${i + 7}? Answer briefly.`,
      }],
    });
    const a = analyzeCall(capturedCall("chat.completions", text, RESPONSE), { counters });
    return { record: a.record, request: a.request, blocks: a.blocks };
  });
}

/** The same calls with the whole request text per call, as stored before blocks. */
function whole(calls: StoredCall[], texts: Map<string, string>): StoredCall[] {
  return calls.map((c) => ({ ...c, blocks: null, request: texts.get(c.record.id) ?? null }));
}

function texts(calls: StoredCall[]): Map<string, string> {
  return new Map(calls.map((c) => {
    const b = c.blocks!;
    const byHash = new Map(b.blocks.map((x) => [x.hash, x.text]));
    return [c.record.id, b.refs.map((r) => typeof r === "string" ? byHash.get(r)! : r[0]).join("")];
  }));
}

interface Backend {
  name: string;
  /** A fresh, migrated store, its size function and how to drop it. */
  open(): Promise<{ store: BaseStore; bytes(): Promise<number>; done(): Promise<void> }>;
}

function sqliteBackend(): Backend {
  return {
    name: "SQLite",
    async open() {
      const dir = await Deno.makeTempDir({ prefix: "llmprof-bench-blocks-" });
      const path = `${dir}/llmprof.db`;
      const store = await SqliteStore.open(path);
      return {
        store,
        async bytes() {
          await store.checkpoint();
          const size = async (p: string) => await Deno.stat(p).then((s) => s.size, () => 0);
          return await size(path) + await size(`${path}-wal`);
        },
        async done() {
          await store.close();
          await Deno.remove(dir, { recursive: true });
        },
      };
    },
  };
}

function postgresBackend(url: string): Backend {
  let n = 0;
  return {
    name: "PostgreSQL",
    async open() {
      const admin = postgres(url, { max: 1, onnotice: () => {} });
      const name = `bench_blocks_${n++}`;
      await admin.unsafe(`CREATE DATABASE ${name}`);
      const dbUrl = url.replace(/\/[^/]*$/, `/${name}`);
      const store = await PostgresStore.open(dbUrl);
      return {
        store,
        async bytes() {
          const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
          await sql`VACUUM`;
          await sql`CHECKPOINT`;
          const [row] =
            await sql`SELECT sum(pg_total_relation_size(c.oid))::bigint AS bytes FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'm')`;
          await sql.end();
          return Number(row.bytes);
        },
        async done() {
          await store.close();
          await admin.unsafe(`DROP DATABASE ${name}`);
          await admin.end();
        },
      };
    },
  };
}

/** Bytes the calls add to an empty store, each written in a batch of its own as the writer does when calls trickle in. */
async function stored(backend: Backend, calls: StoredCall[]): Promise<number> {
  const { store, bytes, done } = await backend.open();
  try {
    const empty = await bytes();
    for (const call of calls) await store.writeBatch([call]);
    return await bytes() - empty;
  } finally {
    await done();
  }
}

const kb = (n: number) => `${(n / 1024).toFixed(0)} KiB`;

/** Runs the blocks benchmark and returns its RESULTS.md section. */
export async function runBlocks(): Promise<string> {
  const run = agentCalls();
  const small = smallCalls();
  const runWhole = whole(run.calls, texts(run.calls));
  const smallWhole = whole(small, texts(small));
  const backends = [sqliteBackend()];
  const pg = pgBinDir() !== null ? await startPostgres() : null;
  if (pg) backends.push(postgresBackend(pg.url));
  const rows: string[] = [];
  try {
    for (const backend of backends) {
      const [runBlocks, runText, smallBlocks, smallText] = [
        await stored(backend, run.calls),
        await stored(backend, runWhole),
        await stored(backend, small),
        await stored(backend, smallWhole),
      ];
      rows.push(
        `| ${backend.name} | 100-turn agent run | ${kb(runText)} (${
          (runText / run.lastBytes).toFixed(1)
        }×) | ${kb(runBlocks)} (${(runBlocks / run.lastBytes).toFixed(2)}×) |`,
        `| ${backend.name} | 1,000 small calls, per call | ${(smallText / 1000).toFixed(0)} B | ${
          (smallBlocks / 1000).toFixed(0)
        } B (${((smallBlocks / smallText - 1) * 100).toFixed(0)}%) |`,
      );
    }
  } finally {
    await pg?.destroy();
  }
  if (!pg) rows.push("| PostgreSQL | not installed here | skipped | skipped |");
  return [
    `## Prompts stored once (bench/blocks.ts)`,
    ``,
    `One agent run of 100 turns (12 KB system prompt, 25 tools, a ~4 KB tool result per turn; last request ${
      kb(run.lastBytes)
    }, ${
      (run.sentBytes / 1e6).toFixed(1)
    } MB sent in all), analysed as llmprof analyses it and written a call per batch; and 1,000 unrelated one-question calls. Bytes are what the calls add to an empty store: the SQLite file and WAL after a checkpoint, or the PostgreSQL tables and indexes after VACUUM and CHECKPOINT. "Whole text" stores each call's request text in full, as before blocks; the multiple is of the last request's bytes.`,
    ``,
    `| store | calls | whole text | blocks |`,
    `|---|---|---|---|`,
    ...rows,
    ``,
    `Targets: the run in at most 3× its last request's bytes; small calls no more than 20% larger per call than whole text.`,
  ].join("\n");
}
