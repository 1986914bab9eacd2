import { parseArgs } from "node:util";
import { ConfigError, parseConfig } from "./config.ts";

/** Flags a store command takes besides --home and --db. */
export type ExtraFlags = Record<string, { type: "string" | "boolean"; short?: string }>;

/**
 * Parses a store command's flags: its own, plus --home and --db resolved like `llmprof up`
 * (flag over LLMPROF_HOME / LLMPROF_DB_URL over the default). Throws ConfigError.
 */
export function parseStoreArgs(
  args: string[],
  env: Record<string, string | undefined>,
  extra: ExtraFlags,
): { db: string; values: Record<string, string | boolean | undefined> } {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args,
      options: { ...extra, home: { type: "string" }, db: { type: "string" } },
      strict: true,
    }).values;
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}; see llmprof --help.`);
  }
  const passed = [
    ...(typeof values.home === "string" ? ["--home", values.home] : []),
    ...(typeof values.db === "string" ? ["--db", values.db] : []),
  ];
  // Only the store is resolved here: the bind address (and whether it needs a token) is up's.
  return { db: parseConfig(passed, { ...env, LLMPROF_HOST: undefined }).db, values };
}
