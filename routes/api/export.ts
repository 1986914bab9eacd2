import {
  exportCalls,
  FORMATS,
  isFormat,
  NotFoundError,
  selectCalls,
  selectionName,
  toSelection,
} from "../../export/mod.ts";
import type { CallRecord } from "../../core/record.ts";
import type { AppContext } from "../context.ts";
import { badRequest, notFound } from "./_errors.ts";

/** The download link of a call or run in one export format. */
export function exportHref(format: string, selection: { call: string } | { run: string }): string {
  const [kind, id] = "call" in selection ? ["call", selection.call] : ["run", selection.run];
  return `/_llmprof/api/export?format=${format}&${kind}=${encodeURIComponent(id)}`;
}

/** `GET /_llmprof/api/export?format=F&call=ID|run=ID|since=T&until=T`: a file to download. */
export async function exportFile(url: URL, ctx: AppContext): Promise<Response> {
  const p = url.searchParams;
  const format = p.get("format") ?? "";
  if (!isFormat(format)) {
    return badRequest(`format must be one of ${FORMATS.join(", ")}, got "${format}"`);
  }
  const selection = toSelection({
    call: p.get("call") ?? undefined,
    run: p.get("run") ?? undefined,
    since: p.get("since") ?? undefined,
    until: p.get("until") ?? undefined,
  });
  if (typeof selection === "string") return badRequest(selection);
  let records: CallRecord[];
  try {
    records = await selectCalls(ctx.store, selection);
  } catch (error) {
    if (error instanceof NotFoundError) return notFound(error.message);
    throw error;
  }
  const name = selectionName(selection);
  const file = await exportCalls(records, format, { name, run: "run" in selection });
  const base = "call" in selection || "run" in selection ? name : "calls";
  const filename = `llmprof-${base.replace(/[^A-Za-z0-9_.-]+/g, "-")}.${file.extension}`;
  return new Response(file.body as Uint8Array<ArrayBuffer>, {
    headers: {
      "content-type": file.contentType,
      "content-disposition": `attachment; filename="${filename}"`,
      "cache-control": "no-store",
    },
  });
}
