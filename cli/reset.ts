import { redactDbUrl } from "../core/redact.ts";
import { openStore } from "../store/mod.ts";
import { parseStoreArgs } from "./store_args.ts";
import { ask } from "./_ask.ts";

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
    if (!values.yes) {
      const answer = await ask(
        `Delete all ${total.toLocaleString("en")} calls in ${redactDbUrl(db)}? [y/N] `,
      );
      if (answer === null) {
        console.error(
          "Nothing deleted: no answer could be read; pass --yes to confirm without a prompt.",
        );
        return 1;
      }
      if (!/^y(es)?$/i.test(answer.trim())) {
        console.log("Nothing deleted.");
        return 1;
      }
    }
    await store.reset();
    console.log(`Deleted ${total.toLocaleString("en")} calls.`);
    return 0;
  } finally {
    await store.close();
  }
}
