import type { CallRecord } from "../core/record.ts";
import type { StoredCall } from "./contract.ts";
import { type Block, blockHash, MIN_BLOCK_CHARS } from "../core/blocks.ts";

/** The calls table's columns, in insert order. */
export const CALL_COLUMNS = [
  "id",
  "created_at",
  "created_ms",
  "provider",
  "api",
  "model",
  "status",
  "session_id",
  "turn",
  "input_tokens",
  "output_tokens",
  "cost_usd",
  "duration_ms",
  "route_id",
  "route_label",
  "attention",
  "top_component",
  "error",
  "record",
  "request",
  "reclaimable_usd",
  "end_hash",
  "parent_id",
  "response_id",
  "analysed",
  "loose_hash",
  "request_refs",
  "response_hash",
  "launch_id",
  "parent_run",
  "findings",
  "components",
] as const;

/** A value a column holds. */
export type SqlValue = string | number | null;

/**
 * How much a call needs a look: 2 for failures (error status, error, disconnect),
 * 1 for calls with findings that cost money or whose count and report disagree, 0 otherwise.
 */
export function attentionOf(record: CallRecord): number {
  if (
    record.status >= 400 || record.status === 0 || record.error !== null || record.client_aborted
  ) return 2;
  if (record.attribution?.mismatch) return 1;
  if (record.findings.some((f) => (f.usd ?? 0) > 0)) return 1;
  return 0;
}

/** Dollars a call's findings say could be saved, or null when nothing was found. */
export function reclaimableOf(record: CallRecord): number | null {
  const usd = record.findings.reduce((n, f) => n + (f.usd ?? 0), 0);
  return usd > 0 ? usd : null;
}

/** The largest component of a call's prompt, or null. */
export function topComponent(record: CallRecord): string | null {
  let best: { name: string; tokens: number } | null = null;
  for (const c of record.attribution?.components ?? []) {
    if (c.tokens > (best?.tokens ?? 0)) best = c;
  }
  return best?.name ?? null;
}

/** A call's prompt tokens per component as JSON, or null without an attribution. */
export function componentsOf(record: CallRecord): string | null {
  const components = record.attribution?.components;
  if (!components) return null;
  return JSON.stringify(Object.fromEntries(components.map((c) => [c.name, c.tokens])));
}

/** A call's response text as a block of its own, and the record that refers to it instead. */
export function responseBlock(record: CallRecord): { record: CallRecord; block: Block | null } {
  const text = record.response?.text ?? "";
  if (record.response === null || text.length < MIN_BLOCK_CHARS) return { record, block: null };
  return {
    record: { ...record, response: { ...record.response, text: "" } },
    block: { hash: blockHash(text), text, kind: null, label: "response", tokens: 0 },
  };
}

/** A stored call as the values of {@linkcode CALL_COLUMNS}; `response` is its {@linkcode responseBlock}. */
export function callRow(
  call: StoredCall,
  response: { record: CallRecord; block: Block | null } = responseBlock(call.record),
): SqlValue[] {
  const r = call.record;
  const split = call.blocks ?? null;
  return [
    r.id,
    r.created_at,
    Date.parse(r.created_at),
    r.provider,
    r.api,
    r.model,
    r.status,
    r.session?.id ?? null,
    r.session?.turn ?? null,
    r.usage?.input_tokens ?? 0,
    r.usage?.output_tokens ?? 0,
    r.cost?.total_usd ?? null,
    r.timings.duration_ms,
    r.route?.id ?? null,
    r.route?.label ?? null,
    attentionOf(r),
    topComponent(r),
    r.error === null ? null : r.error.slice(0, 500),
    JSON.stringify(response.record),
    split ? null : call.request,
    reclaimableOf(r),
    call.endHash ?? null,
    r.session?.parent_id ?? null,
    r.response?.id ?? null,
    call.analysed === false ? 0 : 1,
    call.looseHash ?? null,
    split ? JSON.stringify(split.refs) : null,
    response.block?.hash ?? null,
    r.session?.launch ?? null,
    r.session?.parent_run ?? null,
    r.findings.length,
    componentsOf(r),
  ];
}

/** A number from a SQL result (drivers return bigint and numeric as strings). */
export function num(value: unknown): number {
  return value === null || value === undefined ? 0 : Number(value);
}

/** A nullable number from a SQL result. */
export function numOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}
