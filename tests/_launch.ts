/**
 * Helpers for the end-to-end tests that launch a coding agent through `llmprof run`: run
 * main.ts as a process, read the launch id from its summary, read the launch's stored records.
 * @module
 */
import { assert } from "../testing/assert.ts";
import { openStore } from "../store/mod.ts";
import type { CallRecord } from "../core/record.ts";

/** main.ts, run as the `llmprof` command. */
export const MAIN = new URL("../main.ts", import.meta.url).pathname;

/** What a launched process did. */
export interface Launched {
  code: number;
  out: string;
  err: string;
}

/** Runs `llmprof ARGS…` (main.ts) with its own home, stdin closed; its exit code and output. */
export async function llmprof(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<Launched> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    env: { LLMPROF_HOME: Deno.makeTempDirSync(), ...options.env },
    cwd: options.cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code, out: decode(stdout), err: decode(stderr) };
}

/** The launch id `llmprof run` printed with its summary. */
export function launchOf(err: string): string {
  const m = /launch ([A-Z0-9]{10})/.exec(err);
  assert(m, `no launch id in the summary: ${err}`);
  return m[1];
}

/** A launch's records as stored in `db`, oldest first. */
export async function storedRecords(db: string, launch: string): Promise<CallRecord[]> {
  const store = await openStore(db);
  try {
    const { calls } = await store.listCalls({ launch, limit: 1000 });
    const records: CallRecord[] = [];
    for (const c of calls.reverse()) records.push((await store.getCall(c.id))!.record);
    return records;
  } finally {
    await store.close();
  }
}

/** The summary as printed: from its first line to the launch note. */
export function summaryOf(err: string): string {
  const start = err.search(/^llmprof: \d+ calls in/m);
  assert(start >= 0, `no summary in: ${err}`);
  return err.slice(start, err.indexOf("\n(launch ", start));
}
