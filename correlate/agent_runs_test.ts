import { assert, assertEquals } from "../testing/assert.ts";
import { openStore } from "../store/mod.ts";
import { RunChainer } from "./runs.ts";
import type { ChainRequest } from "./runs.ts";
import { compactionFinding } from "./cross_call.ts";

let n = 0;
/** A call of an agent: its conversation as prefix hashes, what it says about itself. */
function call(
  prefixes: string[],
  agent: { session: string | null; opening: string; spawns?: string[]; parent?: string },
): ChainRequest {
  return {
    callId: `call-${++n}`,
    prefixes,
    loose: prefixes.map((p) => `loose-${p}`),
    sessionHeader: null,
    previousResponseId: null,
    responseId: null,
    spawns: agent.spawns,
    agent: {
      session: agent.session,
      opening: agent.opening,
      name: `Claude Code 2.1.0 · “${agent.opening.slice(0, 20)}”`,
      launch: "L1",
      parent: agent.parent ?? null,
    },
  };
}

Deno.test("an agent's main run takes its session id; a subagent is linked to the turn that spawned it", async () => {
  const store = await openStore("sqlite::memory:");
  const chainer = new RunChainer(store, { log: () => {} });
  const task = "Find every config file and list it";
  const one = await chainer.assign(call(["a"], { session: "S", opening: "Fix the build" }));
  const two = await chainer.assign(
    call(["a", "b", "c"], { session: "S", opening: "Fix the build", spawns: [task] }),
  );
  const sub1 = await chainer.assign(call(["x"], { session: "S", opening: task }));
  const sub2 = await chainer.assign(call(["x", "y", "z"], { session: "S", opening: task }));
  const three = await chainer.assign(
    call(["a", "b", "c", "d", "e"], { session: "S", opening: "Fix the build" }),
  );
  const title = await chainer.assign(call(["t"], { session: "S", opening: "Write a title" }));

  assertEquals([one.id, two.id, three.id], ["S", "S", "S"]);
  assertEquals([one.turn, two.turn, three.turn], [1, 2, 3]);
  assertEquals(one.source, "agent");
  assertEquals(one.name, "Claude Code 2.1.0 · “Fix the build”");
  assertEquals(three.name, one.name);
  assertEquals(sub1.source, "subagent");
  assertEquals([sub1.parent_run, sub1.parent_turn], ["S", 2]);
  assertEquals([sub2.id, sub2.turn, sub2.parent_run, sub2.parent_turn], [sub1.id, 2, "S", 2]);
  assert(sub1.id !== "S");
  // A new conversation nothing spawned is a side run under the session.
  assertEquals([title.parent_run, title.parent_turn, title.source], ["S", null, "new"]);
  for (const r of [one, two, sub1, sub2, three, title]) assertEquals(r.launch, "L1");
  await store.close();
});

Deno.test("a spawn kept in the store is claimed once by a chainer that did not see it (a restart)", async () => {
  const url = `sqlite:${await Deno.makeTempDir()}/llmprof.db`;
  const task = "Read notes.txt and summarise it";
  let store = await openStore(url);
  const before = new RunChainer(store, { log: () => {} });
  await before.assign(call(["r1"], { session: "R", opening: "Read the notes" }));
  const spawner = await before.assign(
    call(["r1", "r2", "r3"], { session: "R", opening: "Read the notes", spawns: [task] }),
  );
  await store.close();
  store = await openStore(url);
  const after = new RunChainer(store, { log: () => {} });
  const sub = await after.assign(call(["q1"], { session: "R", opening: task }));
  assertEquals([sub.source, sub.parent_run, sub.parent_turn], ["subagent", "R", spawner.turn]);
  // The same task again (a retried subagent) finds the spawn claimed: no second subagent.
  const again = await after.assign(call(["q9"], { session: "R", opening: task }));
  assertEquals([again.source === "subagent", again.parent_turn], [false, null]);
  await store.close();
});

Deno.test("a subagent whose task matches no prompt is linked through the parent run it names", async () => {
  const store = await openStore("sqlite::memory:");
  const chainer = new RunChainer(store, { log: () => {} });
  await chainer.assign(call(["e1"], { session: "E", opening: "Fix it" }));
  await chainer.assign(
    call(["e1", "e2", "e3"], { session: "E", opening: "Fix it", spawns: ["gAAAA…"] }),
  );
  // Codex hands the task over encrypted; its subagent names the thread that spawned it.
  const sub = await chainer.assign(call(["z1"], { session: "E", opening: "Zm9v…", parent: "E" }));
  assertEquals([sub.source, sub.parent_run, sub.parent_turn], ["subagent", "E", 2]);
  const side = await chainer.assign(call(["t1"], { session: "E", opening: "Title", parent: "E" }));
  assertEquals([side.source, side.parent_turn], ["new", null], "one spawn, one subagent");
  await store.close();
});

Deno.test("after compaction an agent's summary turn continues its main run", async () => {
  const store = await openStore("sqlite::memory:");
  const chainer = new RunChainer(store, { log: () => {} });
  await chainer.assign(call(["a"], { session: "C", opening: "Refactor the parser" }));
  const two = await chainer.assign(
    call(["a", "b", "c"], { session: "C", opening: "Refactor the parser" }),
  );
  const compacted = await chainer.assign(call(["s"], {
    session: "C",
    opening:
      "This session is being continued from a previous conversation that ran out of context.",
  }));
  assertEquals([compacted.id, compacted.turn, compacted.parent_id], ["C", 3, "call-" + (n - 1)]);
  assertEquals(compacted.compacted, true);
  assertEquals(two.compacted, undefined);
  await store.close();
});

Deno.test("a plain client's calls keep today's chaining and get a name", async () => {
  const store = await openStore("sqlite::memory:");
  const chainer = new RunChainer(store, { log: () => {} });
  const one = await chainer.assign(call(["p"], { session: null, opening: "Summarise this" }));
  const two = await chainer.assign(
    call(["p", "q", "r"], { session: null, opening: "Summarise this" }),
  );
  assertEquals([one.source, two.source], ["new", "chain"]);
  assertEquals(two.id, one.id);
  assertEquals(two.name, one.name);
  assertEquals(one.parent_run, null);
  await store.close();
});

Deno.test("a compaction finding says how far the context dropped and what was dropped", () => {
  const before = new Map([["system prompt", 10_000], ["tool results", 80_000], [
    "history (assistant)",
    10_000,
  ]]);
  const after = new Map([["system prompt", 10_000], ["user input", 4_000], ["tool results", 0]]);
  const finding = compactionFinding(before, after, 3 / 1_000_000)!;
  assertEquals(finding.kind, "compaction");
  assertEquals(finding.tokens, 86_000);
  assertEquals(finding.usd, null);
  assert(finding.detail.includes("from 100,000 to 14,000 tokens"), finding.detail);
  assert(
    finding.detail.includes("tool results 80,000, history (assistant) 10,000"),
    finding.detail,
  );
  assertEquals(compactionFinding(after, before, null), null);
});
