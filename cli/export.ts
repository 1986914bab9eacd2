import {
  exportCalls,
  FORMATS,
  isFormat,
  NotFoundError,
  selectCalls,
  selectionName,
  toSelection,
} from "../export/mod.ts";
import { openStore } from "../store/mod.ts";
import { ConfigError } from "./config.ts";
import { parseStoreArgs } from "./store_args.ts";

const text = (value: string | boolean | undefined) => typeof value === "string" ? value : undefined;

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
  const selection = toSelection({
    call: text(values.call),
    run: text(values.run),
    since: text(values.since),
    until: text(values.until),
  }, { prefix: "--" });
  if (typeof selection === "string") throw new ConfigError(selection);
  const output = text(values.output) === "-" ? undefined : text(values.output);
  if (output === undefined && format === "pprof" && Deno.stdout.isTerminal()) {
    throw new ConfigError(
      "A pprof profile is binary: pass --output FILE or redirect stdout to a file.",
    );
  }
  const store = await openStore(db);
  try {
    const records = await selectCalls(store, selection);
    const file = await exportCalls(records, format, {
      name: selectionName(selection),
      run: "run" in selection,
    });
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
