/** Reads what /compare and /api/compare compare: two calls (`a`, `b`) or two runs (`runs=A,B` or `run=A&run=B`). */
import {
  type CallComparison,
  type CompareCall,
  compareCalls,
  type CompareRun,
  compareRuns,
  type RunComparison,
} from "../reports/compare.ts";
import type { RunSummary } from "../store/contract.ts";
import type { AppContext } from "./context.ts";
import { requestMessages } from "./calls/[id].tsx";

/** A comparison, or why there is none: `status` 400 for a bad query, 404 for an id not stored, 0 for no query at all. */
export type ComparisonResult =
  | { ok: true; comparison: CallComparison | RunComparison }
  | { ok: false; status: 0 | 400 | 404; error: string };

/** The two run ids a query names, or null when it names none. */
export function runIds(params: URLSearchParams): string[] | null {
  const ids = [
    ...params.getAll("runs").flatMap((v) => v.split(",")),
    ...params.getAll("run"),
  ].map((s) => s.trim()).filter(Boolean);
  return ids.length === 0 ? null : ids;
}

async function loadCall(ctx: AppContext, id: string): Promise<CompareCall | null> {
  const [stored, blocks] = await Promise.all([ctx.store.getCall(id), ctx.store.callBlocks([id])]);
  if (!stored) return null;
  return {
    record: stored.record,
    messages: requestMessages(stored.record.api, stored.request),
    blocks: blocks[id] ?? null,
  };
}

async function loadRun(ctx: AppContext, id: string): Promise<CompareRun | null> {
  const turns = await ctx.store.getRun(id);
  if (turns.length === 0) return null;
  const [first, last] = await Promise.all([
    loadCall(ctx, turns[0].call_id),
    loadCall(ctx, turns[turns.length - 1].call_id),
  ]);
  const session = first?.record.session;
  const summary: RunSummary = {
    id,
    calls: turns.length,
    first_at: turns[0].created_at,
    last_at: turns[turns.length - 1].created_at,
    cost_usd: turns.reduce((n, t) => n + (t.cost_usd ?? 0), 0),
    first_prompt_tokens: turns[0].prompt_tokens,
    last_prompt_tokens: turns[turns.length - 1].prompt_tokens,
    name: session?.name ?? null,
    parent_run: session?.parent_run ?? null,
  };
  return { summary, turns, first, last };
}

/** Loads and compares what the query names. */
export async function loadComparison(url: URL, ctx: AppContext): Promise<ComparisonResult> {
  const params = url.searchParams;
  const runs = runIds(params);
  if (runs !== null) {
    if (runs.length !== 2) {
      return {
        ok: false,
        status: 400,
        error: `Compare takes two runs, got ${runs.length}: pass runs=A,B.`,
      };
    }
    const [a, b] = await Promise.all(runs.map((id) => loadRun(ctx, id)));
    const missing = runs.find((_, i) => (i === 0 ? a : b) === null);
    if (missing !== undefined) {
      return { ok: false, status: 404, error: `No run with id "${missing}".` };
    }
    return { ok: true, comparison: compareRuns(a!, b!) };
  }
  const ids = [params.get("a"), params.get("b")];
  if (ids.every((id) => !id)) {
    return { ok: false, status: 0, error: "Pass a=ID&b=ID (two calls) or runs=A,B (two runs)." };
  }
  if (ids.some((id) => !id)) {
    return { ok: false, status: 400, error: "Compare takes two calls: pass both a=ID and b=ID." };
  }
  const [a, b] = await Promise.all(ids.map((id) => loadCall(ctx, id!)));
  const missing = ids.find((_, i) => (i === 0 ? a : b) === null);
  if (missing) return { ok: false, status: 404, error: `No call with id "${missing}".` };
  return { ok: true, comparison: compareCalls(a!, b!) };
}
