import { assertEquals } from "../tests/assert.ts";
import { sampleRecord } from "../tests/records.ts";
import { openStore } from "../store/mod.ts";
import { chainKeys } from "./chain_keys.ts";
import { SessionChainer } from "./sessions.ts";
import { longRun } from "../tests/agent_run.ts";

Deno.test("a 1,000-turn run chains into one run from the store, across restarts of the chainer", async () => {
  const store = await openStore("sqlite::memory:");
  let chainer = new SessionChainer(store);
  const turns: number[] = [];
  const ids = new Set<string>();
  for (const [i, request] of longRun(1_000).entries()) {
    if (i % 100 === 0) chainer = new SessionChainer(store); // a restart: only the store remembers
    const prefixes = chainKeys("chat.completions", request).prefixes;
    const record = sampleRecord({ id: `call-${i}` });
    record.session = await chainer.assign({
      callId: record.id,
      prefixes,
      sessionHeader: null,
      previousResponseId: null,
      responseId: null,
    });
    await store.writeBatch([{ record, request: null, endHash: prefixes.at(-1) }]);
    turns.push(record.session.turn);
    ids.add(record.session.id);
  }
  assertEquals(ids.size, 1);
  assertEquals(turns, Array.from({ length: 1_000 }, (_, i) => i + 1));
  assertEquals((await store.listSessions())[0].calls, 1_000);
  await store.close();
});
