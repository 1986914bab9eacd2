import {
  exportCalls,
  FORMATS,
  isFormat,
  NotFoundError,
  selectCalls,
  type Selection,
} from "../export/mod.ts";
import { openStore } from "../store/mod.ts";
import { ConfigError } from "./config.ts";
import { parseStoreArgs } from "./store_args.ts";

function isoTime(flag: string, value: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    throw new ConfigError(
      `Invalid ${flag} "${value}": use an ISO date or time, e.g. 2026-11-27 or 2026-11-27T10:00:00Z.`,
    );
  }
  return new Date(ms).toISOString();
}

/** The selection `--call`, `--run` or `--since`/`--until` name; exactly one kind. */
export function parseSelection(values: Record<string, string | boolean | undefined>): Selection {
  const call = typeof values.call === "string" ? values.call : undefined;
  const run = typeof values.run === "string" ? values.run : undefined;
  const since = typeof values.since === "string" ? isoTime("--since", values.since) : undefined;
  const until = typeof values.until === "string" ? isoTime("--until", values.until) : undefined;
  const kinds = [call, run, since ?? until].filter((v) => v !== undefined).length;
  if (kinds !== 1) {
    throw new ConfigError(
      "Choose what to export with one of --call ID, --run ID or --since/--until.",
    );
  }
  if (call) return { call };
  if (run) return { run };
  return { since, until };
}

/** `llmprof export --format F (--call ID | --run ID | --since T [--until T]) [--output FILE]`. */
export async function exportCommand(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<number> {
  const { db, values } = parseStoreArgs(args, env, {
    format: { type: "string" },
    call: { type: "string" },
    run: { type: "string" },
    since: { type: "string" },
    until: { type: "string" },
    output: { type: "string", short: "o" },
  });
  const format = String(values.format ?? "");
  if (!isFormat(format)) {
    throw new ConfigError(`Invalid --format "${format}": use one of ${FORMATS.join(", ")}.`);
  }
  const selection = parseSelection(values);
  const output = typeof values.output === "string" && values.output !== "-" ? values.output : null;
  if (output === null && format === "pprof" && Deno.stdout.isTerminal()) {
    throw new ConfigError(
      "A pprof profile is binary: pass --output FILE or redirect stdout to a file.",
    );
  }
  const store = await openStore(db);
  try {
    const records = await selectCalls(store, selection);
    const name = "call" in selection
      ? `call ${selection.call}`
      : "run" in selection
      ? `run ${selection.run}`
      : `calls ${selection.since ?? "…"} to ${selection.until ?? "now"}`;
    const file = await exportCalls(records, format, { name, run: "run" in selection });
    if (output) {
      await Deno.writeFile(output, file.body);
      console.error(`Wrote ${records.length} calls as ${format} to ${output}.`);
    } else {
      await Deno.stdout.write(file.body);
    }
  } catch (error) {
    if (error instanceof NotFoundError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  } finally {
    await store.close();
  }
  return 0;
}
