import { assert, assertEquals } from "../testing/assert.ts";
import { routeOf } from "./route.ts";
import type { Segment } from "../formats/segment.ts";

const call = (system: string, tools: string[]): Segment[] => [
  { component: "system prompt", text: system },
  ...tools.map((label): Segment => ({ component: "tool schemas", label, text: `{"${label}":1}` })),
  { component: "user input", text: "hi", message: 1 },
];

Deno.test("a route is the start of the system prompt and the set of tools", () => {
  const a = routeOf(call("You are a coding agent.", ["grep", "read"]), "messages");
  assertEquals(routeOf(call("You are a coding agent.", ["read", "grep"]), "messages").id, a.id);
  assert(routeOf(call("You are a poet.", ["grep", "read"]), "messages").id !== a.id);
  assert(routeOf(call("You are a coding agent.", ["grep"]), "messages").id !== a.id);
  assertEquals(a.label, "You are a coding agent. · 2 tools");
});

Deno.test("a timestamp at the top of the system prompt does not split a route", () => {
  const at = (time: string) => routeOf(call(`Now: ${time}. You are an agent.`, []), "messages");
  assertEquals(at("2026-11-27T10:00:01Z").id, at("2026-11-27T10:01:07Z").id);
  assertEquals(at("2026-11-27T10:00:01Z").label, "Now: # You are an agent.");
});
