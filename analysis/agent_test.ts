import { assert, assertAlmostEquals, assertEquals } from "../testing/assert.ts";
import {
  agentFacts,
  agentSession,
  clientName,
  isCodingAgent,
  openingText,
  runName,
  spawnedPrompts,
} from "./agent.ts";
import { agentParts, toolGroup } from "./agent_parts.ts";
import { attribute } from "./attribute.ts";
import { agentFindings, contextWindow, toolExchanges } from "./agent_findings.ts";
import { callFindings } from "./findings.ts";
import { parseMessagesRequest } from "../formats/messages.ts";
import { parseResponsesRequest } from "../formats/responses.ts";
import { parseGeminiRequest } from "../formats/gemini.ts";
import type { Segment } from "../formats/segment.ts";
import type { ResponseSummary } from "../core/record.ts";
import { TokenCounter } from "./tokenizer.ts";

const counter = new TokenCounter("o200k_base");

Deno.test("client names come from the user-agent of each agent and SDK", () => {
  assertEquals(clientName("claude-cli/2.1.197 (external, cli)"), "Claude Code 2.1.197");
  assertEquals(clientName("codex_exec/0.171.0 (Debian 12.0.0; x86_64) xterm"), "Codex 0.171.0");
  assertEquals(clientName("codex_cli_rs/0.40.0"), "Codex 0.40.0");
  assertEquals(clientName("GeminiCLI/0.9.0/gemini-2.5-pro (linux; x64)"), "Gemini CLI 0.9.0");
  assertEquals(
    clientName("GeminiCLI-tui/0.61.0/gemini-2.5-flash (linux; x64; terminal)"),
    "Gemini CLI 0.61.0",
  );
  assertEquals(clientName("OpenAI/JS 4.104.0"), "openai-node");
  assertEquals(clientName("OpenAI/Python 1.99.0"), "openai-python");
  assertEquals(clientName("curl/8.5.0"), "curl");
  assertEquals(clientName(undefined), null);
  assert(isCodingAgent("Claude Code 2.1.197") && !isCodingAgent("openai-node"));
});

Deno.test("the agent's session id comes from its header, else Claude Code's metadata.user_id", () => {
  assertEquals(agentSession({ "x-claude-code-session-id": "s-1" }, {}), "s-1");
  assertEquals(agentSession({ "session-id": "codex-1" }, {}), "codex-1");
  // The Gemini CLI sends none; llmprof run gives it one and sends it in its own header.
  assertEquals(agentSession({ "x-llmprof-agent-session": "gem-1" }, {}), "gem-1");
  const json = JSON.stringify({ device_id: "d", account_uuid: "", session_id: "s-2" });
  assertEquals(agentSession({}, { metadata: { user_id: json } }), "s-2");
  assertEquals(
    agentSession({}, {
      metadata: { user_id: "user_abc_account_def_session_0f1e2d3c-aaaa-bbbb-cccc-111122223333" },
    }),
    "0f1e2d3c-aaaa-bbbb-cccc-111122223333",
  );
  assertEquals(agentSession({}, { metadata: { user_id: "plain-user" } }), null);
});

const reminder =
  "<system-reminder>\nAs you answer the user's questions, you can use the following context:\n# claudeMd\nContents of /repo/CLAUDE.md (project instructions):\n\nUse tabs.\n</system-reminder>";
const skills =
  "<system-reminder>\nThe following skills are available for use with the Skill tool:\n- pdf: read PDFs\n</system-reminder>";

function claudeBody(extraTools: string[] = []): Record<string, unknown> {
  return {
    model: "claude-sonnet-4-5",
    system: "You are Claude Code.",
    tools: ["Read", "Bash", ...extraTools].map((name) => ({
      name,
      description: `The ${name} tool. `.repeat(10),
      input_schema: { type: "object", properties: { x: { type: "string" } } },
    })),
    messages: [{
      role: "user",
      content: [
        { type: "text", text: reminder },
        { type: "text", text: skills },
        { type: "text", text: "Fix the failing test in src/app.ts please, then run it" },
      ],
    }],
  };
}

Deno.test("the opening is the first user message's own words, and names the run", () => {
  const parsed = parseMessagesRequest(claudeBody());
  const opening = openingText(parsed.segments);
  assertEquals(opening, "Fix the failing test in src/app.ts please, then run it");
  assertEquals(
    runName({ client: "Claude Code 2.1.197", opening }),
    "Claude Code 2.1.197 · “Fix the failing test in src/app.ts please, then”",
  );
  assertEquals(runName({ client: null, opening: null }), null);
  const gemini = parseGeminiRequest({
    contents: [{
      role: "user",
      parts: [
        { text: "<session_context>\nThis is the Gemini CLI.\n</session_context>" },
        { text: "Read notes.txt" },
      ],
    }],
  });
  assertEquals(openingText(gemini.segments), "Read notes.txt");
});

Deno.test("a response's Agent or Task tool calls are the prompts of the subagents it spawns", () => {
  const response: ResponseSummary = {
    id: "msg_1",
    text: "",
    thinking: "",
    tool_calls: [
      { id: "a", name: "Agent", arguments: '{"description":"d","prompt":"Find the config files"}' },
      {
        id: "b",
        name: "Task",
        arguments: '{"prompt":"<system-reminder>x</system-reminder>Check CI"}',
      },
      { id: "c", name: "Read", arguments: '{"file_path":"a"}' },
      { id: "d", name: "Agent", arguments: '{"prompt":' },
    ],
    stop_reason: "tool_use",
    complete: true,
  };
  assertEquals(spawnedPrompts(response), ["Find the config files", "Check CI"]);
  const facts = agentFacts({ "user-agent": "claude-cli/2.1.0", "x-llmprof-launch": "L1" }, {}, {
    segments: [],
    response,
  });
  assertEquals(facts.launch, "L1");
  assertEquals(facts.spawns.length, 2);
});

Deno.test("Codex's spawn_agent message is a subagent's prompt, and the task it hands over is that subagent's opening", () => {
  const task = "Read notes.txt and summarise it";
  const response: ResponseSummary = {
    id: "resp_1",
    text: "",
    thinking: "",
    tool_calls: [{
      id: "call_1",
      name: "spawn_agent",
      arguments: JSON.stringify({ task_name: "read_notes", message: task, fork_turns: "none" }),
    }],
    stop_reason: "completed",
    complete: true,
  };
  assertEquals(spawnedPrompts(response), [task]);
  // The subagent's first call: its environment, then the task in an agent_message envelope.
  const parsed = parseResponsesRequest({
    model: "gpt-5",
    input: [
      {
        type: "message",
        role: "user",
        content: [{
          type: "input_text",
          text: "<environment_context>\n  <cwd>/p</cwd>\n</environment_context>",
        }],
      },
      {
        type: "agent_message",
        author: "/root",
        recipient: "/root/read_notes",
        content: [
          {
            type: "input_text",
            text: "Message Type: NEW_TASK\nTask name: /root/read_notes\nSender: /root\nPayload:\n",
          },
          { type: "encrypted_content", encrypted_content: task },
        ],
      },
    ],
  }, "o200k_base");
  assertEquals(openingText(parsed.segments), task);
  assert(!parsed.notes.some((n) => n.includes("agent_message")), parsed.notes.join("; "));
});

Deno.test("agent parts: system reminders, memory files and skills are named children of user input", () => {
  assertEquals(agentParts("no reminders here"), []);
  assertEquals(agentParts(reminder).map((p) => p.label), ["memory: CLAUDE.md"]);
  assertEquals(agentParts(skills).map((p) => p.label), ["skills"]);
  assertEquals(
    agentParts("<system-reminder>Todo list is empty</system-reminder>").map((p) => p.label),
    ["<system-reminder>"],
  );
  assertEquals(
    agentParts("# AGENTS.md instructions for /repo\n\nUse tabs.")[0].label,
    "memory: AGENTS.md",
  );
  assertEquals(toolGroup("mcp__github__create_issue"), "MCP github");
  assertEquals(toolGroup("Read"), "built-in tools");

  const parsed = parseMessagesRequest(
    claudeBody(["mcp__github__create_issue", "mcp__github__list_prs", "mcp__linear__search"]),
  );
  const attribution = attribute(parsed.segments, counter, {
    exact: false,
    reported: null,
    agent: true,
  });
  const frame = (name: string) => attribution.tree.children.find((c) => c.name === name)!;
  const user = frame("user input");
  assertEquals(user.children.map((c) => c.name).sort(), ["memory: CLAUDE.md", "skills"]);
  assert(user.children.reduce((n, c) => n + c.tokens, 0) < user.tokens);
  const schemas = frame("tool schemas");
  assertEquals(schemas.children.map((c) => c.name).sort(), [
    "MCP github",
    "MCP linear",
    "built-in tools",
  ]);
  const github = schemas.children.find((c) => c.name === "MCP github")!;
  assertEquals(github.children.map((c) => c.name).sort(), [
    "mcp__github__create_issue",
    "mcp__github__list_prs",
  ]);
  assertEquals(github.tokens, github.children.reduce((n, c) => n + c.tokens, 0));
  assertEquals(schemas.tokens, schemas.children.reduce((n, c) => n + c.tokens, 0));

  // A plain client's tools stay one child per tool.
  const plain = attribute(parseMessagesRequest(claudeBody()).segments, counter, {
    exact: false,
    reported: null,
  });
  assertEquals(
    plain.tree.children.find((c) => c.name === "tool schemas")!.children.map((c) => c.name).sort(),
    ["Bash", "Read"],
  );
});

function exchange(name: string, input: unknown, result: string, message: number): Segment[] {
  return [
    { component: "tool calls", label: name, text: name, message },
    { component: "tool calls", label: name, text: JSON.stringify(input), message },
    { component: "tool results", label: name, text: result, message: message + 1 },
  ];
}

const bigFile = "line of the big file\n".repeat(2_000);

Deno.test("agent findings: a large tool result, a file read again, a repeated call, an error loop", () => {
  const segments: Segment[] = [
    { component: "system prompt", text: "You are an agent." },
    ...exchange("Read", { file_path: "/repo/big.log" }, bigFile, 1),
    ...exchange("Bash", { command: "npm test" }, "ok", 3),
    ...exchange("Read", { file_path: "/repo/big.log" }, bigFile, 5),
    ...exchange("Bash", { command: "npm test" }, "ok", 7),
    ...exchange("Bash", { command: "npm test" }, "1 failing", 8),
    ...exchange("Edit", { file_path: "a" }, "<tool_use_error>String not found</tool_use_error>", 9),
    ...exchange(
      "Edit",
      { file_path: "b" },
      "<tool_use_error>String not found</tool_use_error>",
      11,
    ),
    ...exchange(
      "Edit",
      { file_path: "c" },
      "<tool_use_error>String not found</tool_use_error>",
      13,
    ),
  ];
  const exchanges = toolExchanges(segments, counter);
  assertEquals(exchanges.map((e) => [e.name, e.error]), [
    ["Read", false],
    ["Bash", false],
    ["Read", false],
    ["Bash", false],
    ["Bash", false],
    ["Edit", true],
    ["Edit", true],
    ["Edit", true],
  ]);
  const fileTokens = counter.count(bigFile);
  const findings = agentFindings(segments, counter, {
    promptTokens: 2 * fileTokens + 200,
    model: "claude-sonnet-4-5",
    rate: 3 / 1_000_000,
  });
  const byKind = new Map(findings.map((f) => [f.kind, f]));
  const large = byKind.get("large_tool_result")!;
  assertEquals(large.tokens, fileTokens);
  assert(large.detail.includes("/repo/big.log"), large.detail);
  const reread = byKind.get("reread")!;
  assertEquals(reread.tokens, fileTokens);
  assertAlmostEquals(reread.usd!, fileTokens * 3 / 1_000_000);
  assert(reread.detail.includes("read /repo/big.log 2 times"), reread.detail);
  // npm test ran three times; two came back the same, the third is new information.
  const repeated = byKind.get("repeated_tool_call")!;
  assert(
    repeated.detail.includes("Bash call") && repeated.detail.includes("2 times"),
    repeated.detail,
  );
  const loop = byKind.get("tool_error_loop")!;
  assert(loop.detail.startsWith("Edit failed 3 times in a row"), loop.detail);
  assertEquals(byKind.has("context_window"), false);
});

Deno.test("a context over 80% of the model's window is a finding; unknown models get none", () => {
  assertEquals(contextWindow("claude-opus-4-1"), 200_000);
  assertEquals(contextWindow("gpt-4o-mini"), 128_000);
  assertEquals(contextWindow("my-local-model"), null);
  const near = agentFindings([], counter, {
    promptTokens: 170_000,
    model: "claude-opus-4-1",
    rate: null,
  });
  assertEquals(near.map((f) => f.kind), ["context_window"]);
  assert(near[0].detail.includes("85%"), near[0].detail);
  assertEquals(
    agentFindings([], counter, { promptTokens: 150_000, model: "claude-opus-4-1", rate: null }),
    [],
  );
  assertEquals(
    agentFindings([], counter, { promptTokens: 999_999, model: "my-local-model", rate: null }),
    [],
  );
});

Deno.test("agent findings' dollar claims never exceed what the call paid for its prompt", () => {
  const segments: Segment[] = [
    ...exchange("Read", { file_path: "/repo/big.log" }, bigFile, 1),
    ...exchange("Read", { file_path: "/repo/big.log" }, bigFile, 3),
  ];
  const prompt = 2 * counter.count(bigFile);
  const attribution = attribute(segments, counter, { exact: true, reported: null });
  const paid = 0.01;
  const findings = callFindings(segments, counter, {
    attribution,
    usage: {
      input_tokens: prompt,
      output_tokens: 1,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
      cache_write_1h_tokens: 0,
      reasoning_tokens: 0,
      source: "provider",
    },
    cost: { input_usd: paid, output_usd: 0, total_usd: paid, priced: true, price_source: "test" },
    model: "claude-sonnet-4-5",
  });
  assert(findings.some((f) => f.kind === "reread"));
  assert(findings.some((f) => f.kind === "large_tool_result"));
  const claimed = findings.reduce((n, f) => n + (f.usd ?? 0), 0);
  assert(claimed <= paid + 1e-12, `claimed ${claimed} of ${paid}`);
});
