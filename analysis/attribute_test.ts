import { assertEquals } from "../testing/assert.ts";
import { apportion } from "./apportion.ts";
import { attribute, countSegments, reconcile } from "./attribute.ts";
import type { Segment } from "../formats/segment.ts";
import { TokenCounter } from "./tokenizer.ts";

const counter = new TokenCounter("o200k_base");
const segments: Segment[] = [
  { component: "system prompt", text: "You are a careful agent." },
  { component: "user input", text: "Find the bug." },
  {
    component: "tool schemas",
    label: "read_file",
    text: '{"name":"read_file","description":"Read a file"}',
  },
  {
    component: "tool schemas",
    label: "grep",
    text: '{"name":"grep","description":"Search files for a pattern"}',
  },
  { component: "tool calls", label: "grep", text: 'grep {"pattern":"TODO"}' },
  { component: "tool results", label: "grep", text: "src/a.ts:3: TODO fix" },
  { component: "formatting overhead", tokens: 7 },
];

Deno.test("apportion splits a total in proportion and always preserves it", () => {
  assertEquals(apportion([1, 1, 1], 10), [4, 3, 3]);
  assertEquals(apportion([0, 0], 5), [3, 2]);
  assertEquals(apportion([5, 0, 15], 8), [2, 0, 6]);
  for (const total of [0, 1, 7, 999, 123457]) {
    assertEquals(apportion([3, 1, 4, 1, 5, 9, 2, 6], total).reduce((a, b) => a + b, 0), total);
  }
});

Deno.test("exact reconciliation puts the whole difference in formatting overhead", () => {
  const counted = countSegments(segments, counter);
  const total = [...counted.components.values()].reduce((a, b) => a + b, 0);
  const fitted = reconcile(counted, total + 11, "exact");
  assertEquals(fitted.components.get("formatting overhead"), 7 + 11);
  assertEquals(fitted.components.get("system prompt"), counted.components.get("system prompt"));
});

Deno.test("exact reconciliation scales instead when the overhead cannot absorb a shortfall", () => {
  const counted = countSegments(segments, counter);
  const fitted = reconcile(counted, 10, "exact");
  assertEquals([...fitted.components.values()].reduce((a, b) => a + b, 0), 10);
  for (const n of fitted.components.values()) assertEquals(n >= 0, true);
});

Deno.test("approximate reconciliation scales every component and child to the reported total", () => {
  const result = attribute(segments, counter, { exact: false, reported: 1000 });
  assertEquals(result.components.reduce((n, c) => n + c.tokens, 0), 1000);
  assertEquals(result.tree.tokens, 1000);
  const schemas = result.tree.children.find((c) => c.name === "tool schemas")!;
  assertEquals(schemas.children.map((c) => c.name).sort(), ["grep", "read_file"]);
  assertEquals(schemas.children.reduce((n, c) => n + c.tokens, 0), schemas.tokens);
  assertEquals(result.reported_total, 1000);
  assertEquals(result.method, "approximate");
});

Deno.test("attribution names all eight components and builds one frame per tool", () => {
  const result = attribute(segments, counter, { exact: true, reported: null });
  assertEquals(result.components.map((c) => c.name), [
    "system prompt",
    "user input",
    "history (assistant)",
    "tool calls",
    "tool results",
    "tool schemas",
    "images & files",
    "formatting overhead",
  ]);
  assertEquals(result.counted_total, result.tree.tokens);
  const frames = Object.fromEntries(
    result.tree.children.map((c) => [c.name, c.children.map((k) => k.name)]),
  );
  assertEquals(frames["tool calls"], ["grep"]);
  assertEquals(frames["tool results"], ["grep"]);
  assertEquals(frames["system prompt"], []);
  assertEquals(
    result.tree.children.some((c) => c.name === "history (assistant)"),
    false,
    "empty components have no frame",
  );
});

Deno.test("reconciliation scaled far down keeps one frame per tool, at 0 tokens where its share rounds away", () => {
  const tools: Segment[] = Array.from({ length: 25 }, (_, i) => ({
    component: "tool schemas",
    label: `tool_${i}`,
    text: `{"name":"tool_${i}","description":"${"does a thing ".repeat(i + 1)}"}`,
  }));
  const result = attribute([{ component: "user input", text: "hi" }, ...tools], counter, {
    exact: false,
    reported: 12,
  });
  const schemas = result.tree.children.find((c) => c.name === "tool schemas")!;
  assertEquals(schemas.children.length, 25);
  assertEquals(schemas.children.some((c) => c.tokens === 0), true);
  assertEquals(schemas.children.reduce((n, c) => n + c.tokens, 0), schemas.tokens);
});
