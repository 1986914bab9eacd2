import { assertEquals } from "../testing/assert.ts";
import { chainRun } from "../testing/chain_run.ts";
import { openStore } from "../store/mod.ts";

Deno.test("a 1,000-turn run chains into one run from the store, across restarts of the chainer", async () => {
  const store = await openStore("sqlite::memory:");
  const turns = await chainRun(store, 1_000, { restartEvery: 100 }); // after a restart only the store remembers
  assertEquals(new Set(turns.map((t) => t.session.id)).size, 1);
  assertEquals(turns.map((t) => t.session.turn), Array.from({ length: 1_000 }, (_, i) => i + 1));
  assertEquals((await store.listRuns())[0].calls, 1_000);
  await store.close();
});
