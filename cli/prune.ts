import { formatBytes } from "../core/bytes.ts";
import { redactDbUrl } from "../core/redact.ts";
import { pruneOlderThan } from "../pipeline/upkeep.ts";
import { openStore } from "../store/mod.ts";
import { confirmDeletion } from "./_ask.ts";
import { ConfigError } from "./config.ts";
import { parseStoreArgs } from "./store_args.ts";

/** `--older-than`: "30d" or "30" days. */
export function parseAge(value: string | boolean | undefined): number {
  const days = typeof value === "string" ? Number(value.replace(/d$/, "")) : NaN;
  if (!Number.isInteger(days) || days < 1) {
    throw new ConfigError(
      `Invalid age "${
        value ?? ""
      }": pass --older-than with a whole number of days, e.g. --older-than 30d.`,
    );
  }
  return days;
}

/**
 * `llmprof prune --older-than 30d [--yes]`: deletes calls older than that and the blocks no
 * other call references, after a confirmation, and says how much it freed.
 */
export async function prune(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<number> {
  const { db, values } = parseStoreArgs(args, env, {
    "older-than": { type: "string" },
    yes: { type: "boolean" },
  });
  const days = parseAge(values["older-than"]);
  const store = await openStore(db);
  try {
    const would = await pruneOlderThan(store, days, { dryRun: true });
    if (would.calls === 0) {
      console.log(`Nothing to delete: ${redactDbUrl(db)} holds no calls older than ${days} days.`);
      return 0;
    }
    const refused = await confirmDeletion(
      `Delete ${would.calls.toLocaleString("en")} calls older than ${days} days from ${
        redactDbUrl(db)
      } (about ${formatBytes(would.bytes)})? [y/N] `,
      values.yes === true,
    );
    if (refused !== null) return refused;
    const freed = await pruneOlderThan(store, days);
    console.log(
      `Deleted ${freed.calls.toLocaleString("en")} calls and ${
        freed.blocks.toLocaleString("en")
      } blocks no other call used: ${formatBytes(freed.bytes)} freed.`,
    );
    return 0;
  } finally {
    await store.close();
  }
}
