import { redactDbUrl } from "../core/redact.ts";
import { openStore } from "../store/mod.ts";
import { parseStoreArgs } from "./store_args.ts";
import { confirmDeletion } from "./_ask.ts";

/** `llmprof reset [--yes]`: deletes every stored trace, after a confirmation. */
export async function reset(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<number> {
  const { db, values } = parseStoreArgs(args, env, { yes: { type: "boolean" } });
  const store = await openStore(db);
  try {
    const { total } = await store.listCalls({ limit: 1 });
    if (total === 0) {
      console.log(`Nothing to delete: ${redactDbUrl(db)} holds no calls.`);
      return 0;
    }
    const refused = await confirmDeletion(
      `Delete all ${total.toLocaleString("en")} calls in ${redactDbUrl(db)}? [y/N] `,
      values.yes === true,
    );
    if (refused !== null) return refused;
    await store.reset();
    console.log(`Deleted ${total.toLocaleString("en")} calls.`);
    return 0;
  } finally {
    await store.close();
  }
}
