import { assertEquals } from "../testing/assert.ts";
import { type WaitEnd, Waits } from "./waits.ts";

function clock() {
  let now = 0;
  return { now: () => now, advance: (ms: number) => now += ms };
}

Deno.test("waits end with a timeout once they last past it, each once", () => {
  const time = clock();
  const waits = new Waits(100, { now: time.now, tickMs: 10 });
  const ended: string[] = [];
  waits.watch(null, (why) => ended.push(`a ${why}`));
  time.advance(50);
  waits.watch(null, (why) => ended.push(`b ${why}`));
  waits.check();
  assertEquals(ended, []);
  time.advance(50);
  waits.check();
  assertEquals(ended, ["a timeout"]);
  time.advance(50);
  waits.check();
  waits.check();
  assertEquals(ended, ["a timeout", "b timeout"]);
  assertEquals(waits.pending, 0);
});

Deno.test("waits that are done in time never end", () => {
  const time = clock();
  const waits = new Waits(100, { now: time.now, tickMs: 10 });
  const ended: number[] = [];
  const first = waits.watch(null, () => ended.push(1));
  waits.watch(null, () => ended.push(2));
  first.done();
  first.done();
  assertEquals(waits.pending, 1);
  time.advance(100);
  waits.check();
  assertEquals(ended, [2]);
  assertEquals(waits.pending, 0);
});

Deno.test("waits end when their client has gone, before any timeout", () => {
  const time = clock();
  const waits = new Waits(60_000, { now: time.now, tickMs: 10 });
  const client = new AbortController();
  const ended: WaitEnd[] = [];
  waits.watch(client.signal, (why) => ended.push(why));
  waits.watch(new AbortController().signal, (why) => ended.push(why));
  waits.check();
  assertEquals(ended, []);
  client.abort();
  waits.check();
  assertEquals(ended, ["client-gone"]);
  assertEquals(waits.pending, 1);
});

Deno.test("waits keep nothing of the waits that are over", () => {
  const time = clock();
  const waits = new Waits(1_000_000, { now: time.now, tickMs: 10 });
  let slowEnded = false;
  waits.watch(null, () => slowEnded = true);
  for (let i = 0; i < 5_000; i++) waits.watch(null, () => {}).done();
  waits.check();
  assertEquals(waits.pending, 1);
  time.advance(1_000_000);
  waits.check();
  assertEquals(slowEnded, true);
  assertEquals(waits.pending, 0);
});

Deno.test("waits are checked on their own timer, which does not keep the process alive", async () => {
  const waits = new Waits(30, { tickMs: 5 });
  // The watched wait (here a stand-in for a fetch) is what keeps the process alive.
  const alive = setTimeout(() => {}, 5_000);
  const [why, after] = await new Promise<[WaitEnd, number]>((resolve) => {
    const started = performance.now();
    waits.watch(null, (why) => resolve([why, performance.now() - started]));
  });
  clearTimeout(alive);
  assertEquals(why, "timeout");
  assertEquals(after >= 29, true);
  assertEquals(waits.pending, 0);
});

Deno.test("waits that make progress time out only once idle for the whole timeout", () => {
  const time = clock();
  const waits = new Waits(100, { now: time.now, tickMs: 10 });
  const ended: string[] = [];
  const wait = waits.watch(null, (why) => ended.push(why));
  time.advance(90);
  wait.touch();
  waits.check();
  time.advance(90);
  waits.check();
  assertEquals(ended, []);
  time.advance(10);
  waits.check();
  assertEquals(ended, ["timeout"]);
});

Deno.test("ending all waits ends each open wait once, with the reason given", () => {
  const waits = new Waits(100, { tickMs: 10 });
  const ended: string[] = [];
  waits.watch(null, (why) => ended.push(`a ${why}`));
  waits.watch(null, (why) => ended.push(`b ${why}`)).done();
  waits.endAll("shutdown");
  waits.endAll("shutdown");
  assertEquals(ended, ["a shutdown"]);
  assertEquals(waits.pending, 0);
});
