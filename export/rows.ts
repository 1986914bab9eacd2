import { type CallRecord, COMPONENTS } from "../core/record.ts";

/** A call as one flat row: the fields of jsonl and csv exports, in their column order. */
export type CallRow = Record<string, string | number | boolean | null>;

/** Column name of a component's tokens, e.g. `tokens_system_prompt`. */
export function componentColumn(name: string): string {
  return `tokens_${name.replace(/[^a-z]+/g, "_").replace(/^_|_$/g, "")}`;
}

/** The export columns, in their stable order. */
export const COLUMNS: readonly string[] = [
  "id",
  "created_at",
  "provider",
  "api",
  "model",
  "status",
  "stream",
  "run_id",
  "turn",
  "input_tokens",
  "output_tokens",
  "cache_read_tokens",
  "cache_write_tokens",
  "reasoning_tokens",
  "usage_source",
  "attribution_method",
  ...COMPONENTS.map(componentColumn),
  "input_usd",
  "output_usd",
  "cost_usd",
  "priced",
  "ttfb_ms",
  "duration_ms",
  "route",
  "findings",
  "reclaimable_usd",
  "error",
];

/** A call record as an export row: counts, cost and timings, never prompt text or keys. */
export function toRow(record: CallRecord): CallRow {
  const component = (name: string) =>
    record.attribution?.components.find((c) => c.name === name)?.tokens ?? null;
  const row: CallRow = {
    id: record.id,
    created_at: record.created_at,
    provider: record.provider,
    api: record.api,
    model: record.model,
    status: record.status,
    stream: record.stream,
    run_id: record.session?.id ?? null,
    turn: record.session?.turn ?? null,
    input_tokens: record.usage?.input_tokens ?? null,
    output_tokens: record.usage?.output_tokens ?? null,
    cache_read_tokens: record.usage?.cache_read_tokens ?? null,
    cache_write_tokens: record.usage?.cache_write_tokens ?? null,
    reasoning_tokens: record.usage?.reasoning_tokens ?? null,
    usage_source: record.usage?.source ?? null,
    attribution_method: record.attribution?.method ?? null,
    ...Object.fromEntries(COMPONENTS.map((name) => [componentColumn(name), component(name)])),
    input_usd: record.cost?.input_usd ?? null,
    output_usd: record.cost?.output_usd ?? null,
    cost_usd: record.cost?.total_usd ?? null,
    priced: record.cost?.priced ?? false,
    ttfb_ms: record.timings.ttfb_ms,
    duration_ms: record.timings.duration_ms,
    route: record.route?.label ?? null,
    findings: record.findings.length,
    reclaimable_usd: record.findings.reduce((sum, f) => sum + (f.usd ?? 0), 0),
    error: record.error,
  };
  return Object.fromEntries(COLUMNS.map((column) => [column, row[column] ?? null]));
}

/** Calls as JSON Lines: one row object per line, keys in {@linkcode COLUMNS} order. */
export function toJsonl(records: readonly CallRecord[]): string {
  return records.map((r) => JSON.stringify(toRow(r)) + "\n").join("");
}

function csvCell(value: string | number | boolean | null): string {
  if (value === null) return "";
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Calls as CSV (RFC 4180): a header of {@linkcode COLUMNS}, then one row per call. */
export function toCsv(records: readonly CallRecord[]): string {
  const lines = [
    COLUMNS.join(","),
    ...records.map((r) => COLUMNS.map((c) => csvCell(toRow(r)[c])).join(",")),
  ];
  return lines.map((line) => line + "\r\n").join("");
}
