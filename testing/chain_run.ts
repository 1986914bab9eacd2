import { chainKeys } from "../analysis/chain_keys.ts";
import type { RunRef } from "../core/record.ts";
import { RunChainer } from "../correlate/runs.ts";
import type { BaseStore } from "../store/contract.ts";
import { longRun } from "./agent_run.ts";
import { sampleRecord } from "./records.ts";

/** One turn as chaining placed it, with what each step took. */
export interface ChainedTurn {
  session: RunRef;
  hashMs: number;
  assignMs: number;
}

/**
 * Chains a synthetic run of `turns` turns the way the server does each call: hash its
 * message prefixes, place it in its run, write it with its hash. With `restartEvery`, a
 * fresh chainer takes over every so many turns, as after a restart.
 */
export async function chainRun(
  store: BaseStore,
  turns: number,
  options: { restartEvery?: number } = {},
): Promise<ChainedTurn[]> {
  let chainer = new RunChainer(store);
  const out: ChainedTurn[] = [];
  for (const [i, request] of longRun(turns).entries()) {
    if (options.restartEvery && i % options.restartEvery === 0) chainer = new RunChainer(store);
    let start = performance.now();
    const { prefixes, loose } = chainKeys("chat.completions", request);
    const hashMs = performance.now() - start;
    const record = sampleRecord({ id: `call-${i}` });
    start = performance.now();
    record.session = await chainer.assign({
      callId: record.id,
      prefixes,
      loose,
      sessionHeader: null,
      previousResponseId: null,
      responseId: null,
    });
    const assignMs = performance.now() - start;
    await store.writeBatch([{
      record,
      request: null,
      endHash: prefixes.at(-1),
      looseHash: loose.at(-1),
    }]);
    out.push({ session: record.session, hashMs, assignMs });
  }
  return out;
}
