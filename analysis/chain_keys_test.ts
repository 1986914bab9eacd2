import { assert, assertEquals } from "../testing/assert.ts";
import { chainKeys, maskVolatile } from "./chain_keys.ts";
import { canonicalJson } from "../formats/canonical.ts";

const system = [{ type: "text", text: "You are an agent.", cache_control: { type: "ephemeral" } }];
const turn1 = [{ role: "user", content: "Fix the bug." }];
const turn2 = [
  ...turn1,
  {
    role: "assistant",
    content: [{ type: "thinking", thinking: "hmm", signature: "s" }, {
      type: "tool_use",
      id: "t1",
      name: "grep",
      input: { q: "bug", n: 1 },
    }],
  },
  { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "a.ts:1" }] },
];

Deno.test("chainKeys gives a hash per message prefix, seeded by the context", () => {
  const one = chainKeys("messages", { system, messages: turn1 });
  const two = chainKeys("messages", { system, messages: turn2 });
  assertEquals(one.prefixes.length, 1);
  assertEquals(two.prefixes.length, 3);
  assertEquals(two.prefixes[0], one.prefixes[0], "turn 2 starts with turn 1's whole conversation");
  const otherSystem = chainKeys("messages", { system: "You are someone else.", messages: turn1 });
  assert(
    otherSystem.prefixes[0] !== one.prefixes[0],
    "a different system prompt is a different context",
  );
  const otherApi = chainKeys("chat.completions", { messages: turn1 });
  assert(otherApi.prefixes[0] !== one.prefixes[0]);
});

Deno.test("chainKeys ignores rewrites that keep the meaning: cache markers, string or text blocks, key order, thinking", () => {
  const original = chainKeys("messages", { system, messages: turn2 }).prefixes;
  const rewritten = chainKeys("messages", {
    system: "You are an agent.",
    messages: [
      {
        role: "user",
        content: [{ type: "text", text: "Fix the bug.", cache_control: { type: "ephemeral" } }],
      },
      {
        role: "assistant",
        content: [{ type: "tool_use", name: "grep", id: "t1", input: { n: 1, q: "bug" } }],
      },
      {
        role: "user",
        content: [{
          type: "tool_result",
          tool_use_id: "t1",
          content: [{ type: "text", text: "a.ts:1" }],
          cache_control: { type: "ephemeral" },
        }],
      },
    ],
  }).prefixes;
  assertEquals(rewritten, original);
});

Deno.test("chainKeys reads chat messages with null content and tool calls alike across rewrites", () => {
  const a = chainKeys("chat.completions", {
    messages: [
      { role: "system", content: "S" },
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }],
      },
    ],
  });
  const b = chainKeys("chat.completions", {
    messages: [
      { role: "system", content: [{ type: "text", text: "S" }] },
      {
        role: "assistant",
        content: "",
        tool_calls: [{ id: "c1", type: "function", function: { arguments: "{}", name: "f" } }],
      },
    ],
  });
  assertEquals(a.prefixes, b.prefixes);
});

Deno.test("canonicalJson sorts keys and hashes very long strings", () => {
  assertEquals(
    canonicalJson({ b: 1, a: [true, null], cache_control: {} }),
    '{"a":[true,null],"b":1}',
  );
  assert(canonicalJson("x".repeat(10_000)).length < 40);
});

Deno.test("loose chain keys forgive a changed timestamp and tool order, not a different prompt", () => {
  const tools = [{ name: "grep", input_schema: {} }, { name: "read", input_schema: {} }];
  const at = (time: string, order = tools) =>
    chainKeys("messages", {
      system: `You are an agent. Now: ${time}.`,
      tools: order,
      messages: turn2,
    });
  const a = at("2026-11-27T10:00:01Z");
  const b = at("2026-11-27T10:01:07Z", [...tools].reverse());
  assert(a.prefixes[0] !== b.prefixes[0], "the exact keys differ");
  assertEquals(b.loose, a.loose);
  const other = chainKeys("messages", { system: "You are a poet.", tools, messages: turn2 });
  assert(other.loose[0] !== a.loose[0], "a different system prompt is a different loose context");
});

Deno.test("chat's loose keys hold the system message in the context, not among the items", () => {
  const keys = (time: string) =>
    chainKeys("chat.completions", {
      messages: [{ role: "system", content: `Today is ${time}.` }, {
        role: "user",
        content: "Hi",
      }],
    });
  const a = keys("Monday 2026-11-27");
  assertEquals(a.prefixes.length, 2);
  assertEquals(a.loose.length, 1);
  assertEquals(keys("Monday 2026-11-28").loose, a.loose);
});

Deno.test("maskVolatile masks each word that holds a digit and keeps everything else", () => {
  assertEquals(
    maskVolatile("Today is 2026-11-27,\tat 12:00 (v2)\nbe kind"),
    "Today is #\tat # #\nbe kind",
  );
  assertEquals(maskVolatile("no digits here"), "no digits here");
  assertEquals(maskVolatile("7"), "#");
  assertEquals(maskVolatile(""), "");
  assertEquals(maskVolatile("_".repeat(100_000) + " x1"), "_".repeat(100_000) + " #");
});
