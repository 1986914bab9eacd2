/**
 * Server-side render time of each dashboard page over 100,000 stored calls (SQLite),
 * measured through the same handler the server uses.
 */
import { handleLocal } from "../routes/mod.ts";
import type { AppContext } from "../routes/context.ts";
import { openStore, StoreWriter } from "../store/mod.ts";
import { syntheticCalls } from "./store.ts";
import { agentCalls } from "./blocks.ts";
import { VERSION } from "../core/version.ts";

/** Runs the page benchmark and returns its RESULTS.md section. */
export async function runPages(options: { calls?: number } = {}): Promise<string> {
  const total = options.calls ?? 100_000;
  const dir = await Deno.makeTempDir({ prefix: "llmprof-bench-pages-" });
  const store = await openStore(`sqlite:${dir}/llmprof.db`);
  const calls = syntheticCalls(total);
  for (let i = 0; i < calls.length; i += 1_000) await store.writeBatch(calls.slice(i, i + 1_000));
  // The call view opens the last turn of a 100-turn agent run, stored as blocks: its request
  // (457 KiB) is put back together from its blocks on every read.
  const run = agentCalls();
  for (const call of run.calls) await store.writeBatch([call]);
  const lastTurn = run.calls[run.calls.length - 1].record;
  const writer = new StoreWriter(store);
  const ctx: AppContext = {
    version: VERSION,
    store,
    queue: () => ({ pending: 0, dropped: 0, accepted: 0 }),
    analysis: () => ({ workers: 0, analysed: 0, failed: 0, busy: 0 }),
    writer: () => writer.stats(),
  };
  const base = "http://127.0.0.1:4000/_llmprof";
  const pages: Array<[string, string]> = [
    ["overview", "/"],
    ["overview API", "/api/overview"],
    ["calls list", "/calls"],
    ["calls list by cost", "/calls?sort=cost"],
    // "user" is in every synthetic request: the search's worst case (count, order, snippets).
    ["calls list, searched for a word in every prompt", "/calls?q=user"],
    ["calls list, searched for a rare word", "/calls?q=flamingo"],
    [
      "calls list, filtered by provider, status and time",
      "/calls?provider=anthropic&status=ok&range=7d",
    ],
    ["call view (turn 100 of an agent run, from blocks)", `/calls/${lastTurn.id}`],
    ["call API (the same call)", `/api/calls/${lastTurn.id}`],
    ["runs timeline (latest run)", "/runs"],
    ["trends", "/trends"],
  ];
  const rows: string[] = [];
  for (const [label, path] of pages) {
    const url = new URL(base + path);
    const render = async () => {
      const response = await handleLocal(new Request(url), url, ctx);
      return (await response.text()).length;
    };
    const size = await render();
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const start = performance.now();
      await render();
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    rows.push(
      `| ${label} | ${times[3].toFixed(1)} | ${times[6].toFixed(1)} | ${
        (size / 1024).toFixed(0)
      } KiB |`,
    );
  }
  await store.close();
  await Deno.remove(dir, { recursive: true });
  return [
    `## Dashboard pages (bench/pages.ts)`,
    ``,
    `Server-side render of each page, store queries included, over ${
      total.toLocaleString("en")
    } calls in SQLite; median and slowest of 7.`,
    ``,
    `| page | median ms | slowest ms | HTML |`,
    `|---|---|---|---|`,
    ...rows,
    ``,
    `Target: each page under 200 ms with 100,000 calls in the store.`,
  ].join("\n");
}
