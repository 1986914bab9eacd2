import type { CallRecord } from "../core/record.ts";
import { LOCAL_PREFIX } from "../core/paths.ts";
import { formatTop, topReport } from "../reports/top.ts";
import type { BaseStore, CallQuery } from "../store/contract.ts";
import { openStore } from "../store/mod.ts";
import { ConfigError } from "./config.ts";
import { parseStoreArgs } from "./store_args.ts";

/** Which calls `llmprof top` summarises: a run with its subagents, or a launch. */
async function selection(
  store: BaseStore,
  values: Record<string, string | boolean | undefined>,
): Promise<CallQuery | null> {
  if (typeof values.run === "string") return { family: values.run };
  if (typeof values.launch === "string") return { launch: values.launch };
  // --last, and the default: the latest call's launch, else its run with its subagents.
  const { calls: [latest] } = await store.listCalls({ limit: 1 });
  if (!latest) return null;
  const stored = await store.getCall(latest.id);
  const session = stored?.record.session;
  if (session?.launch) return { launch: session.launch };
  if (session) return { family: session.parent_run ?? session.id };
  return { session: "" };
}

/** The full records of the calls a query selects, oldest first. */
async function records(store: BaseStore, query: CallQuery): Promise<CallRecord[]> {
  const { calls } = await store.listCalls({ ...query, limit: 1000 });
  const out: CallRecord[] = [];
  for (const call of calls.reverse()) {
    const stored = await store.getCall(call.id);
    if (stored) out.push(stored.record);
  }
  return out;
}

/** `llmprof top [--run ID | --launch ID | --last] [--json]`: the summary of a stored run. */
export async function top(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<number> {
  const { db, values } = parseStoreArgs(args, env, {
    run: { type: "string" },
    launch: { type: "string" },
    last: { type: "boolean" },
    json: { type: "boolean" },
  });
  const chosen = ["run", "launch", "last"].filter((k) => values[k] !== undefined);
  if (chosen.length > 1) {
    throw new ConfigError(`Pass one of --run, --launch and --last, not ${chosen.join(" and ")}.`);
  }
  const store = await openStore(db);
  try {
    const query = await selection(store, values);
    const found = query === null ? [] : await records(store, query);
    if (found.length === 0) {
      const what = values.run
        ? `run "${values.run}"`
        : values.launch
        ? `launch "${values.launch}"`
        : "any run";
      console.error(`No calls stored for ${what}: llmprof traces lists the recent calls.`);
      return 1;
    }
    const report = topReport(found);
    if (values.json) console.log(JSON.stringify(report, null, 2));
    else console.log(formatTop(report, { dashboard: `http://127.0.0.1:4000${LOCAL_PREFIX}` }));
  } finally {
    await store.close();
  }
  return 0;
}
