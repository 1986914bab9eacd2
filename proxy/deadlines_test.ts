import { assertEquals } from "../tests/assert.ts";
import { Deadlines } from "./deadlines.ts";

function clock() {
  let now = 0;
  return { now: () => now, advance: (ms: number) => now += ms };
}

Deno.test("deadlines fire once their wait has passed, in the order they were set", () => {
  const time = clock();
  const deadlines = new Deadlines(100, { now: time.now, tickMs: 10 });
  const fired: string[] = [];
  deadlines.start(() => fired.push("a"));
  time.advance(50);
  deadlines.start(() => fired.push("b"));
  deadlines.check();
  assertEquals(fired, []);
  time.advance(50);
  deadlines.check();
  assertEquals(fired, ["a"]);
  time.advance(50);
  deadlines.check();
  deadlines.check();
  assertEquals(fired, ["a", "b"]);
  assertEquals(deadlines.pending, 0);
});

Deno.test("deadlines cancelled in time never fire", () => {
  const time = clock();
  const deadlines = new Deadlines(100, { now: time.now, tickMs: 10 });
  const fired: number[] = [];
  const first = deadlines.start(() => fired.push(1));
  deadlines.start(() => fired.push(2));
  first.cancel();
  first.cancel();
  assertEquals(deadlines.pending, 1);
  time.advance(100);
  deadlines.check();
  assertEquals(fired, [2]);
  assertEquals(deadlines.pending, 0);
});

Deno.test("deadlines drop cancelled entries queued behind a slow one", () => {
  const time = clock();
  const deadlines = new Deadlines(1_000_000, { now: time.now, tickMs: 10 });
  let slowFired = false;
  deadlines.start(() => slowFired = true);
  for (let i = 0; i < 5_000; i++) deadlines.start(() => {}).cancel();
  deadlines.check();
  assertEquals(deadlines.pending, 1);
  time.advance(1_000_000);
  deadlines.check();
  assertEquals(slowFired, true);
});

Deno.test("deadlines fire on their own timer, which does not keep the process alive", async () => {
  const deadlines = new Deadlines(30, { tickMs: 5 });
  // The watched wait (here a stand-in for a fetch) is what keeps the process alive.
  const alive = setTimeout(() => {}, 5_000);
  const fired = await new Promise<number>((resolve) => {
    const started = performance.now();
    deadlines.start(() => resolve(performance.now() - started));
  });
  clearTimeout(alive);
  assertEquals(fired >= 29, true);
  assertEquals(deadlines.pending, 0);
});
