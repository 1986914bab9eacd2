import { assertEquals } from "../testing/assert.ts";
import { type ChainFacts, type ChainNode, decideRun } from "./chain.ts";

function facts(
  byHash: Record<string, ChainNode> = {},
  extra: Partial<ChainFacts> = {},
): ChainFacts {
  return {
    byHash: new Map(Object.entries(byHash)),
    byLoose: new Map(),
    byResponse: null,
    headerTurns: 0,
    children: () => 0,
    ...extra,
  };
}
const input = (prefixes: string[], extra = {}) => ({
  callId: "new-call",
  prefixes,
  loose: [] as string[],
  sessionHeader: null,
  previousResponseId: null,
  ...extra,
});
const first: ChainNode = { callId: "c1", sessionId: "run", turn: 1 };
const second: ChainNode = { callId: "c2", sessionId: "run", turn: 2 };

Deno.test("a call with no predecessor starts a run", () => {
  assertEquals(decideRun(input(["a", "b"]), facts()), {
    id: "new-call",
    turn: 1,
    source: "new",
    parent_id: null,
    retry_of: null,
    fork: false,
  });
});

Deno.test("the longest earlier conversation that prefixes this one is the parent", () => {
  const ref = decideRun(input(["a", "b", "c", "d", "e"]), facts({ a: first, c: second }));
  assertEquals([ref.id, ref.turn, ref.parent_id, ref.source], ["run", 3, "c2", "chain"]);
});

Deno.test("the same conversation again is a retry of the earlier call", () => {
  const ref = decideRun(input(["a", "b", "c"]), facts({ c: second }));
  assertEquals([ref.turn, ref.retry_of, ref.parent_id], [2, "c2", null]);
});

Deno.test("a second continuation of the same parent is a fork in the same run", () => {
  const ref = decideRun(
    input(["a", "x"]),
    facts({ a: first }, { children: (id) => (id === "c1" ? 1 : 0) }),
  );
  assertEquals([ref.id, ref.turn, ref.fork], ["run", 2, true]);
});

Deno.test("previous_response_id chains to the call whose response carried it", () => {
  const ref = decideRun(
    input(["z"], { previousResponseId: "resp_1" }),
    facts({}, { byResponse: second }),
  );
  assertEquals([ref.id, ref.turn, ref.parent_id], ["run", 3, "c2"]);
});

Deno.test("the x-llmprof-session header wins over chaining", () => {
  const ref = decideRun(
    input(["a", "b"], { sessionHeader: "nightly-eval" }),
    facts({ a: first }, { headerTurns: 4 }),
  );
  assertEquals([ref.id, ref.turn, ref.source, ref.parent_id], ["nightly-eval", 5, "header", null]);
});

Deno.test("a turn whose context changed only loosely continues the run by its loose hash", () => {
  const ref = decideRun(
    input(["x", "y", "z"], { loose: ["la", "lb", "lc"] }),
    facts({}, { byLoose: new Map([["lb", first]]) }),
  );
  assertEquals([ref.id, ref.turn, ref.parent_id], ["run", 2, "c1"]);
});

Deno.test("an exact match wins over a longer loose one", () => {
  const ref = decideRun(
    input(["x", "y", "z"], { loose: ["la", "lb", "lc"] }),
    facts({ x: first }, { byLoose: new Map([["lb", second]]) }),
  );
  assertEquals(ref.parent_id, "c1");
});
