import { assert, assertEquals } from "../testing/assert.ts";
import { modelFamily, routeOf } from "./route.ts";
import type { Segment } from "../formats/segment.ts";

const call = (system: string, tools: string[]): Segment[] => [
  { component: "system prompt", text: system },
  ...tools.map((label): Segment => ({ component: "tool schemas", label, text: `{"${label}":1}` })),
  { component: "user input", text: "hi", message: 1 },
];
const SONNET = { api: "messages", model: "claude-sonnet-4-6" };

Deno.test("a route is the API, the model family, the start of the system prompt and the set of tools", () => {
  const a = routeOf(call("You are a coding agent.", ["grep", "read"]), SONNET);
  assertEquals(routeOf(call("You are a coding agent.", ["read", "grep"]), SONNET).id, a.id);
  assert(routeOf(call("You are a poet.", ["grep", "read"]), SONNET).id !== a.id);
  assert(routeOf(call("You are a coding agent.", ["grep"]), SONNET).id !== a.id);
  assertEquals(a.label, "messages · claude-sonnet-4-6 · You are a coding agent. · 2 tools");
});

Deno.test("the same system prompt through three APIs gives three routes whose labels tell them apart", () => {
  const segments = call("You answer in one word.", []);
  const routes = [
    routeOf(segments, { api: "chat.completions", model: "gpt-4o" }),
    routeOf(segments, { api: "responses", model: "gpt-4o" }),
    routeOf(segments, { api: "messages", model: "claude-sonnet-4-6" }),
  ];
  assertEquals(new Set(routes.map((r) => r.id)).size, 3);
  assertEquals(routes.map((r) => r.label), [
    "chat completions · gpt-4o · You answer in one word.",
    "responses · gpt-4o · You answer in one word.",
    "messages · claude-sonnet-4-6 · You answer in one word.",
  ]);
});

Deno.test("a model's dated snapshots share its family and its route; another family is another route", () => {
  assertEquals(modelFamily("gpt-4o-2024-08-06"), "gpt-4o");
  assertEquals(modelFamily("claude-3-5-sonnet-20241022"), "claude-3-5-sonnet");
  assertEquals(modelFamily("openai/gpt-4o-mini"), "gpt-4o-mini");
  assertEquals(modelFamily(null), "unknown model");
  const segments = call("You are terse.", []);
  const chat = (model: string) => routeOf(segments, { api: "chat.completions", model });
  assertEquals(chat("gpt-4o-2024-08-06").id, chat("gpt-4o").id);
  assert(chat("gpt-4o-mini").id !== chat("gpt-4o").id);
});

Deno.test("a timestamp at the top of the system prompt does not split a route", () => {
  const at = (time: string) => routeOf(call(`Now: ${time}. You are an agent.`, []), SONNET);
  assertEquals(at("2026-11-27T10:00:01Z").id, at("2026-11-27T10:01:07Z").id);
  assertEquals(
    at("2026-11-27T10:00:01Z").label,
    "messages · claude-sonnet-4-6 · Now: # You are an agent.",
  );
});
