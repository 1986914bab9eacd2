import {
  exportCalls,
  FORMATS,
  isFormat,
  NotFoundError,
  selectCalls,
  type Selection,
} from "../../export/mod.ts";
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
  let selection: Selection;
  let name: string;
  const call = p.get("call"), run = p.get("run"), since = p.get("since"), until = p.get("until");
  if ([call, run, since ?? until].filter((v) => v !== null).length !== 1) {
    return badRequest("name what to export with one of call, run, or since/until");
  }
  if (call !== null) (selection = { call }), (name = `call-${call}`);
  else if (run !== null) (selection = { run }), (name = `run-${run}`);
  else {
    for (const [key, value] of [["since", since], ["until", until]] as const) {
      if (value !== null && Number.isNaN(Date.parse(value))) {
        return badRequest(`${key} must be an ISO time, got "${value}"`);
      }
    }
    selection = {
      since: since === null ? undefined : new Date(since).toISOString(),
      until: until === null ? undefined : new Date(until).toISOString(),
    };
    name = "calls";
  }
  let records;
  try {
    records = await selectCalls(ctx.store, selection);
  } catch (error) {
    if (error instanceof NotFoundError) return notFound(error.message);
    throw error;
  }
  const file = await exportCalls(records, format, {
    name: name.replace("-", " "),
    run: run !== null,
  });
  const filename = `llmprof-${name.replace(/[^A-Za-z0-9_.-]/g, "_")}.${file.extension}`;
  return new Response(file.body as Uint8Array<ArrayBuffer>, {
    headers: {
      "content-type": file.contentType,
      "content-disposition": `attachment; filename="${filename}"`,
      "cache-control": "no-store",
    },
  });
}
