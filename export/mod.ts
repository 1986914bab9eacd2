/**
 * Export of stored calls to other tools' formats: pprof, speedscope, JSON Lines, CSV,
 * and OpenTelemetry spans (`otlp.ts`, loaded only when a collector is configured).
 * Reads records; the store and analysis never import it.
 * @module
 */
import type { CallRecord } from "../core/record.ts";
import { VERSION } from "../core/version.ts";
import { callFrames, runFrames } from "./frames.ts";
import { toPprof } from "./pprof.ts";
import { toCsv, toJsonl } from "./rows.ts";
import { toSpeedscope } from "./speedscope.ts";

export {
  MAX_EXPORT_CALLS,
  NotFoundError,
  selectCalls,
  type Selection,
  selectionName,
  type SelectionValues,
  toSelection,
} from "./select.ts";
export { callFrames, type Frame, runFrames } from "./frames.ts";
export { MICRO_USD, toPprof } from "./pprof.ts";
export { COLUMNS, toCsv, toJsonl, toRow } from "./rows.ts";
export { SPEEDSCOPE_SCHEMA, toSpeedscope } from "./speedscope.ts";
export { otlpHeaders, otlpTracesUrl } from "./otlp_config.ts";

/** The export formats, as `--format` and the download links name them. */
export const FORMATS = ["pprof", "speedscope", "jsonl", "csv"] as const;

/** One of {@linkcode FORMATS}. */
export type Format = typeof FORMATS[number];

/** An exported file: its bytes, media type and file name extension. */
export interface Exported {
  body: Uint8Array;
  contentType: string;
  extension: string;
}

/** Whether a string names an export format. */
export function isFormat(value: string): value is Format {
  return (FORMATS as readonly string[]).includes(value);
}

/**
 * Calls in one export format. `run` marks them as one run, so pprof stacks
 * start at a `turn N` frame.
 */
export async function exportCalls(
  records: readonly CallRecord[],
  format: Format,
  options: { name: string; run?: boolean },
): Promise<Exported> {
  const text = (s: string) => new TextEncoder().encode(s);
  switch (format) {
    case "pprof": {
      const frames = options.run ? runFrames(records) : records.flatMap((r) => callFrames(r));
      return {
        body: await toPprof(frames, { comment: `llmprof ${VERSION}: ${options.name}` }),
        contentType: "application/octet-stream",
        extension: "pb.gz",
      };
    }
    case "speedscope":
      return {
        body: text(
          JSON.stringify(
            toSpeedscope(records, { name: options.name, exporter: `llmprof ${VERSION}` }),
          ),
        ),
        contentType: "application/json",
        extension: "speedscope.json",
      };
    case "jsonl":
      return {
        body: text(toJsonl(records)),
        contentType: "application/x-ndjson",
        extension: "jsonl",
      };
    case "csv":
      return {
        body: text(toCsv(records)),
        contentType: "text/csv; charset=utf-8",
        extension: "csv",
      };
  }
}
