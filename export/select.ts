import type { CallRecord } from "../core/record.ts";
import type { BaseStore } from "../store/mod.ts";

/** Which calls to export: one call, one run, or a time range (either end open). */
export type Selection =
  | { call: string }
  | { run: string }
  | { since?: string; until?: string };

/** Most calls one export reads, so a range export stays bounded in memory. */
export const MAX_EXPORT_CALLS = 100_000;

/** The values a selection is read from: `--call` … flags, or `call` … query parameters. */
export interface SelectionValues {
  call?: string;
  run?: string;
  since?: string;
  until?: string;
}

/**
 * The selection the values name: exactly one of a call, a run or a time range. Returns a
 * sentence saying what is wrong instead; `prefix` is how the values are spelt in it ("--").
 */
export function toSelection(
  values: SelectionValues,
  options: { prefix?: string } = {},
): Selection | string {
  const p = options.prefix ?? "";
  const { call, run, since, until } = values;
  if ([call, run, since ?? until].filter((v) => v !== undefined).length !== 1) {
    return `Choose what to export with one of ${p}call ID, ${p}run ID or ${p}since/${p}until.`;
  }
  if (call !== undefined) return { call };
  if (run !== undefined) return { run };
  const range: { since?: string; until?: string } = {};
  for (const [key, value] of [["since", since], ["until", until]] as const) {
    if (value === undefined) continue;
    if (Number.isNaN(Date.parse(value))) {
      return `Invalid ${p}${key} "${value}": use an ISO date or time, e.g. 2026-11-27 or 2026-11-27T10:00:00Z.`;
    }
    range[key] = new Date(value).toISOString();
  }
  return range;
}

/** A selection's name, for file names and profile titles: `call ID`, `run ID` or `calls`. */
export function selectionName(selection: Selection): string {
  if ("call" in selection) return `call ${selection.call}`;
  if ("run" in selection) return `run ${selection.run}`;
  return `calls ${selection.since ?? "…"} to ${selection.until ?? "now"}`;
}

/** A selection that names nothing stored. */
export class NotFoundError extends Error {
  override name = "NotFoundError";
}

/** The selected calls' full records, oldest first (a run in turn order). */
export async function selectCalls(store: BaseStore, selection: Selection): Promise<CallRecord[]> {
  if ("call" in selection) {
    const stored = await store.getCall(selection.call);
    if (!stored) {
      throw new NotFoundError(
        `No call "${selection.call}" is stored: copy an id from llmprof traces or the calls page.`,
      );
    }
    return [stored.record];
  }
  if ("run" in selection) {
    const turns = await store.getRun(selection.run);
    if (turns.length === 0) {
      throw new NotFoundError(
        `No run "${selection.run}" is stored: copy an id from the runs page.`,
      );
    }
    const records = await load(store, turns.map((t) => t.call_id));
    return records.sort((a, b) => (a.session?.turn ?? 0) - (b.session?.turn ?? 0));
  }
  const ids: string[] = [];
  for (let offset = 0; ids.length < MAX_EXPORT_CALLS; offset += 1000) {
    const { calls } = await store.listCalls({
      since: selection.since,
      until: selection.until,
      limit: 1000,
      offset,
    });
    ids.push(...calls.map((c) => c.id));
    if (calls.length < 1000) break;
  }
  const records = await load(store, ids.slice(0, MAX_EXPORT_CALLS));
  return records.sort((a, b) =>
    a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id)
  );
}

async function load(store: BaseStore, ids: readonly string[]): Promise<CallRecord[]> {
  const records: CallRecord[] = [];
  for (const id of ids) {
    const stored = await store.getCall(id);
    if (stored) records.push(stored.record);
  }
  return records;
}
