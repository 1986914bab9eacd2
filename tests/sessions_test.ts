import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { assert, assertEquals } from "../testing/assert.ts";
import { eventually, testConfig, withRig } from "./_harness.ts";
import { startFakeUpstream } from "./fake_upstream.ts";
import { freshDatabase, testPostgresUrl } from "../testing/postgres.ts";
import { startLlmprof } from "../server.ts";
import type { RecordedCall } from "../pipeline/recorder.ts";
import type { CallRecord, RunRef } from "../core/record.ts";
import { openStore } from "../store/mod.ts";
import { topReport } from "../reports/top.ts";

const withAnalysis = () => ({ analyse: true });

const chatTools: OpenAI.Chat.Completions.ChatCompletionTool[] = [{
  type: "function",
  function: {
    name: "get_weather",
    description: "Weather",
    parameters: { type: "object", properties: { city: { type: "string" } } },
  },
}];

/** The sessions of the next `n` analysed calls. */
async function sessions(next: () => Promise<RecordedCall>, n: number): Promise<RunRef[]> {
  const out: RunRef[] = [];
  for (let i = 0; i < n; i++) out.push((await next()).record.session!);
  return out;
}

Deno.test("an OpenAI chat tool loop through llmprof is one run, turn by turn", () =>
  withRig(async ({ llmprof, nextRecord }) => {
    const client = new OpenAI({ apiKey: "sk-test", baseURL: `${llmprof.url}/v1`, maxRetries: 0 });
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{
      role: "system",
      content: "You are a weather bot.",
    }];
    let calls = 0;
    for (const question of ["Paris?", "And Rome?", "Berlin?"]) {
      messages.push({ role: "user", content: question });
      for (;;) {
        const stream = calls % 2 === 1;
        calls++;
        const message = stream
          ? (await client.chat.completions.stream({ model: "gpt-4o", messages, tools: chatTools })
            .finalChatCompletion()).choices[0].message
          : (await client.chat.completions.create({ model: "gpt-4o", messages, tools: chatTools }))
            .choices[0].message;
        messages.push(message);
        if (!message.tool_calls?.length) break;
        for (const call of message.tool_calls) {
          messages.push({ role: "tool", tool_call_id: call.id, content: "18°C, sunny" });
        }
      }
    }
    const refs = await sessions(nextRecord, calls);
    assertEquals(calls, 6);
    assertEquals(new Set(refs.map((r) => r.id)).size, 1, "one run");
    assertEquals(refs.map((r) => r.turn), [1, 2, 3, 4, 5, 6]);
    assertEquals(refs.map((r) => r.source), ["new", "chain", "chain", "chain", "chain", "chain"]);

    await eventually(
      async () =>
        (await (await fetch(`${llmprof.url}/_llmprof/api/sessions`)).json()).sessions[0]?.calls ===
          6,
      "the run's six calls were never stored",
    );
    const listed = await (await fetch(`${llmprof.url}/_llmprof/api/sessions`)).json();
    assertEquals(listed.sessions.length, 1);
    assertEquals(listed.sessions[0].calls, 6);
    assert(
      listed.sessions[0].last_prompt_tokens > listed.sessions[0].first_prompt_tokens,
      "the context grew",
    );
    const run = await (await fetch(`${llmprof.url}/_llmprof/api/sessions/${refs[0].id}`)).json();
    assertEquals(run.turns.map((t: { turn: number }) => t.turn), [1, 2, 3, 4, 5, 6]);
    assert(run.turns[5].components["tool results"] > 0);
    assertEquals(run.cards.turns, 6);
    assert(
      run.cards.context_growth > 1 && run.cards.tool_results_share > 0 && run.cards.cost_usd > 0,
    );
    assertEquals((await fetch(`${llmprof.url}/_llmprof/api/sessions/nope`)).status, 404);
    // The product's word: /api/runs answers the same as the first round's /api/sessions.
    const runs = await (await fetch(`${llmprof.url}/_llmprof/api/runs`)).json();
    assertEquals(runs.runs, listed.sessions);
    assertEquals(
      await (await fetch(`${llmprof.url}/_llmprof/api/runs/${refs[0].id}`)).json(),
      run,
    );
    assertEquals((await fetch(`${llmprof.url}/_llmprof/api/runs/nope`)).status, 404);
  }, withAnalysis));

Deno.test("an OpenAI Responses tool loop chains by previous_response_id and by replayed input", () =>
  withRig(async ({ llmprof, nextRecord }) => {
    const client = new OpenAI({ apiKey: "sk-test", baseURL: `${llmprof.url}/v1`, maxRetries: 0 });
    const tools = [{
      type: "function" as const,
      name: "get_weather",
      description: "Weather",
      parameters: { type: "object", properties: {} },
      strict: false,
    }];
    // Stateful: each turn names the previous response.
    const first = await client.responses.create({
      model: "gpt-5",
      instructions: "Weather bot.",
      input: "Paris?",
      tools,
    });
    const call = first.output.find((o) => o.type === "function_call")!;
    assert(call.type === "function_call");
    await client.responses.create({
      model: "gpt-5",
      instructions: "Weather bot.",
      previous_response_id: first.id,
      input: [{ type: "function_call_output", call_id: call.call_id, output: "18°C" }],
      tools,
    });
    // Stateless: each turn replays the whole input, including the previous output items.
    const input: OpenAI.Responses.ResponseInput = [{ role: "user", content: "Rome?" }];
    const third = await client.responses.create({
      model: "gpt-5",
      instructions: "Weather bot.",
      input,
      tools,
      stream: false,
    });
    input.push(...third.output as OpenAI.Responses.ResponseInputItem[]);
    const fc = third.output.find((o) => o.type === "function_call")!;
    assert(fc.type === "function_call");
    input.push({ type: "function_call_output", call_id: fc.call_id, output: "21°C" });
    await client.responses.create({ model: "gpt-5", instructions: "Weather bot.", input, tools });

    const refs = await sessions(nextRecord, 4);
    assertEquals([
      refs[0].turn,
      refs[1].turn,
      refs[1].id === refs[0].id,
      refs[1].parent_id !== null,
    ], [1, 2, true, true]);
    assertEquals([refs[2].turn, refs[3].turn, refs[3].id === refs[2].id], [1, 2, true]);
    assert(refs[2].id !== refs[0].id, "the replayed conversation is its own run");
  }, withAnalysis));

Deno.test("an Anthropic tool loop is one run though the agent moves cache markers and rewrites content", () =>
  withRig(async ({ llmprof, nextRecord }) => {
    const client = new Anthropic({ apiKey: "sk-ant-test", baseURL: llmprof.url, maxRetries: 0 });
    const tools = [{
      name: "get_weather",
      description: "Weather",
      input_schema: { type: "object" as const, properties: { city: { type: "string" } } },
    }];
    const history: Anthropic.MessageParam[] = [];
    let turns = 0;
    for (const question of ["Paris?", "Rome?"]) {
      history.push({ role: "user", content: question });
      for (;;) {
        // As agents do: the cache marker moves to the newest message each turn, and earlier
        // plain-string messages are re-sent as text blocks.
        const messages = history.map((m, i): Anthropic.MessageParam => {
          const blocks: Anthropic.ContentBlockParam[] = typeof m.content === "string"
            ? [{ type: "text", text: m.content }]
            : m.content.map((b) =>
              ({ ...b, cache_control: undefined }) as Anthropic.ContentBlockParam
            );
          if (i === history.length - 1) {
            const last = blocks[blocks.length - 1] as Anthropic.TextBlockParam;
            blocks[blocks.length - 1] = { ...last, cache_control: { type: "ephemeral" } };
          }
          const content = i % 2 === 0 && turns % 2 === 0 && typeof m.content === "string"
            ? m.content
            : blocks;
          return { role: m.role, content } as Anthropic.MessageParam;
        });
        turns++;
        const message = await client.messages.stream({
          model: "claude-sonnet-4-6",
          max_tokens: 2048,
          thinking: { type: "enabled", budget_tokens: 1024 },
          system: [{
            type: "text",
            text: "You are a weather bot.",
            cache_control: { type: "ephemeral" },
          }],
          tools,
          messages,
        }).finalMessage();
        history.push({ role: "assistant", content: message.content });
        const uses = message.content.filter((b) => b.type === "tool_use");
        if (uses.length === 0) break;
        history.push({
          role: "user",
          content: uses.map((u) => ({
            type: "tool_result" as const,
            tool_use_id: u.id,
            content: "18°C",
          })),
        });
      }
    }
    const refs = await sessions(nextRecord, turns);
    assertEquals(turns, 4);
    assertEquals(new Set(refs.map((r) => r.id)).size, 1);
    assertEquals(refs.map((r) => r.turn), [1, 2, 3, 4]);
  }, withAnalysis));

const post = (base: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  }).then((r) => r.arrayBuffer());

Deno.test("a fork stays in the run as a branch, and a retry is marked as one", () =>
  withRig(async ({ llmprof, nextRecord }) => {
    const base = [{ role: "system", content: "S" }, { role: "user", content: "Start" }];
    await post(llmprof.url, { model: "gpt-4o", messages: base });
    await post(llmprof.url, {
      model: "gpt-4o",
      messages: [...base, { role: "assistant", content: "A" }, { role: "user", content: "left" }],
    });
    await post(llmprof.url, {
      model: "gpt-4o",
      messages: [...base, { role: "assistant", content: "A" }, { role: "user", content: "right" }],
    });
    await post(llmprof.url, { model: "gpt-4o", messages: base });
    const [root, left, right, retry] = await sessions(nextRecord, 4);
    assertEquals([left.id, right.id, retry.id], [root.id, root.id, root.id]);
    assertEquals([left.turn, left.fork, right.turn, right.fork], [2, false, 2, true]);
    assertEquals([retry.turn, retry.retry_of !== null], [1, true]);
  }, withAnalysis));

Deno.test("the x-llmprof-session header groups calls and wins over chaining", () =>
  withRig(async ({ llmprof, nextRecord }) => {
    for (const q of ["one", "two", "three"]) {
      await post(llmprof.url, { model: "gpt-4o", messages: [{ role: "user", content: q }] }, {
        "x-llmprof-session": "nightly-eval",
      });
    }
    const refs = await sessions(nextRecord, 3);
    assertEquals(refs.map((r) => [r.id, r.turn, r.source]), [["nightly-eval", 1, "header"], [
      "nightly-eval",
      2,
      "header",
    ], ["nightly-eval", 3, "header"]]);
  }, withAnalysis));

/** Sends the turns of a growing chat conversation to each base URL in turn, waiting for each to be stored. */
async function conversation(
  bases: string[],
  turns: number,
  stored: () => Promise<number>,
): Promise<void> {
  const messages: Array<Record<string, unknown>> = [{ role: "system", content: "Keep going." }];
  for (let t = 0; t < turns; t++) {
    messages.push({ role: "user", content: `step ${t}` });
    await post(bases[t % bases.length], { model: "gpt-4o", messages });
    messages.push({ role: "assistant", content: "Hello from the fake upstream." });
    await eventually(async () => await stored() > t, `turn ${t + 1} was never stored`);
  }
}

async function runOf(base: string) {
  const { sessions } = await (await fetch(`${base}/_llmprof/api/sessions`)).json();
  return sessions;
}

Deno.test("chaining survives a restart", async () => {
  const fake = startFakeUpstream({ record: false });
  const config = testConfig(fake.url, { db: `sqlite:${await Deno.makeTempDir()}/llmprof.db` });
  const count = (base: string) => async () => (await runOf(base))[0]?.calls ?? 0;
  let llmprof = await startLlmprof(config, { log: () => {}, workers: 1, flushMs: 10 });
  const messages: Array<Record<string, unknown>> = [{ role: "system", content: "Keep going." }];
  for (const step of ["a", "b"]) {
    messages.push({ role: "user", content: step });
    await post(llmprof.url, { model: "gpt-4o", messages });
    messages.push({ role: "assistant", content: "Hello from the fake upstream." });
  }
  await llmprof.shutdown();
  llmprof = await startLlmprof(config, { log: () => {}, workers: 1, flushMs: 10 });
  try {
    messages.push({ role: "user", content: "c" });
    await post(llmprof.url, { model: "gpt-4o", messages });
    await eventually(
      async () => await count(llmprof.url)() >= 3,
      "the third turn was never stored",
    );
    const runs = await runOf(llmprof.url);
    assertEquals(runs.length, 1);
    assertEquals(runs[0].calls, 3);
  } finally {
    await llmprof.shutdown();
    await fake.close();
  }
});

/** Claude Code's turns as it sends them: its session id, its user-agent, its Read and Agent tools. */
function claudeCode(session: string) {
  const tools = ["Read", "Agent"].map((name) => ({
    name,
    description: `The ${name} tool.`,
    input_schema: { type: "object", properties: { file_path: { type: "string" } } },
  }));
  /** One turn: the conversation so far in, the assistant's message appended to it. */
  return async (base: string, messages: Array<Record<string, unknown>>) => {
    const response = await fetch(`${base}/v1/messages`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-api-key": "sk-ant-test",
        "anthropic-version": "2023-06-01",
        "user-agent": "claude-cli/2.1.332 (external, cli)",
        "x-claude-code-session-id": session,
        "x-llmprof-launch": "RESTART01",
      },
      body: JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 1024, tools, messages }),
    });
    assertEquals(response.status, 200);
    const message = await response.json();
    messages.push({ role: "assistant", content: message.content });
    const use = (message.content as Array<Record<string, unknown>>).find((b) =>
      b.type === "tool_use"
    );
    if (use) {
      const content = use.name === "Agent" ? "Subagent done." : "The notes say hello.";
      messages.push({
        role: "user",
        content: [{ type: "tool_result", tool_use_id: use.id, content }],
      });
    }
    return use?.name ?? null;
  };
}

const restartBackends: Array<[string, () => Promise<string | null>]> = [
  ["SQLite", async () => `sqlite:${await Deno.makeTempDir()}/llmprof.db`],
  ["Postgres", async () => {
    const server = await testPostgresUrl();
    return server ? await freshDatabase(server) : null;
  }],
];
for (const [kind, makeDb] of restartBackends) {
  Deno.test(`a subagent that starts after a restart is still linked to the turn that spawned it (${kind})`, async () => {
    const db = await makeDb();
    if (db === null) return;
    const fake = startFakeUpstream({ record: false });
    const config = testConfig(fake.url, { db });
    const turn = claudeCode("session-restart-1");
    const main: Array<Record<string, unknown>> = [{
      role: "user",
      content: "[fake-agent] read notes.txt",
    }];
    // Before the restart: the main run reads the file, then spawns its subagent.
    let llmprof = await startLlmprof(config, { log: () => {}, workers: 1, flushMs: 10 });
    assertEquals(await turn(llmprof.url, main), "Read");
    assertEquals(await turn(llmprof.url, main), "Agent");
    await llmprof.shutdown();
    // After it: the subagent's two turns, then the main run's next turn.
    llmprof = await startLlmprof(config, { log: () => {}, workers: 1, flushMs: 10 });
    try {
      const sub: Array<Record<string, unknown>> = [{
        role: "user",
        content: "[fake-sub] read notes.txt and summarise it",
      }];
      assertEquals(await turn(llmprof.url, sub), "Read");
      assertEquals(await turn(llmprof.url, sub), null);
      assertEquals(await turn(llmprof.url, main), "Read");
    } finally {
      await llmprof.shutdown();
      await fake.close();
    }
    const store = await openStore(db);
    let records: CallRecord[];
    try {
      const { calls } = await store.listCalls({ launch: "RESTART01", limit: 100 });
      records = [];
      for (const c of calls.reverse()) records.push((await store.getCall(c.id))!.record);
      const runs = await store.listRuns();
      const subRun = runs.find((r) => r.parent_run === "session-restart-1");
      assert(subRun, JSON.stringify(runs));
      assertEquals(await store.runLinks(subRun.id), {
        name: "Claude Code 2.1.332 · “[fake-sub] read notes.txt and summarise it”",
        parent_run: "session-restart-1",
        parent_turn: 2,
      });
      assertEquals(await store.openSpawns("session-restart-1"), [], "the spawn was claimed");
    } finally {
      await store.close();
    }
    assertEquals(records.length, 5);
    const [m1, m2, s1, s2, m3] = records.map((r) => r.session!);
    assertEquals([m1.id, m2.id, m3.id], [
      "session-restart-1",
      "session-restart-1",
      "session-restart-1",
    ]);
    assertEquals([m1.turn, m2.turn, m3.turn], [1, 2, 3]);
    // The main run's turn after the restart keeps the name it got before.
    assertEquals(m3.name, "Claude Code 2.1.332 · “[fake-agent] read notes.txt”");
    assertEquals(m3.name, m1.name);
    assertEquals([s1.source, s1.parent_run, s1.parent_turn, s1.turn], [
      "subagent",
      "session-restart-1",
      2,
      1,
    ]);
    assertEquals([s2.id, s2.turn, s2.parent_run, s2.parent_turn], [
      s1.id,
      2,
      "session-restart-1",
      2,
    ]);
    // The parent's total holds its subagent's calls.
    const report = topReport(records);
    const total = records.reduce((n, r) => n + (r.cost?.total_usd ?? 0), 0);
    assert(total > 0);
    assertEquals(report.runs.map((r) => r.id), ["session-restart-1", s1.id]);
    assert(Math.abs(report.runs[0].total_usd - total) < 1e-12);
    assert(report.runs[0].cost_usd < report.runs[0].total_usd);
  });
}

Deno.test("two instances sharing Postgres chain one agent's turns into one run", async () => {
  const server = await testPostgresUrl();
  if (!server) return;
  const db = await freshDatabase(server);
  const fake = startFakeUpstream({ record: false });
  const [one, two] = await Promise.all(
    [0, 1].map(() => startLlmprof(testConfig(fake.url, { db }), { log: () => {}, flushMs: 10 })),
  );
  try {
    await conversation([one.url, two.url], 6, async () => (await runOf(one.url))[0]?.calls ?? 0);
    const runs = await runOf(two.url);
    assertEquals(runs.length, 1);
    assertEquals(runs[0].calls, 6);
  } finally {
    await Promise.all([one.shutdown(), two.shutdown()]);
    await fake.close();
  }
});

Deno.test("after a reset, new calls start new runs instead of joining or retrying deleted ones", () =>
  withRig(async ({ llmprof, nextRecord, logs }) => {
    const base = [{ role: "system", content: "S" }, { role: "user", content: "Start" }];
    await post(llmprof.url, { model: "gpt-4o", messages: base });
    const [before] = await sessions(nextRecord, 1);
    await llmprof.writer.flush();
    await llmprof.store.reset();
    // The running llmprof notices a reset on its own, as it would one from `llmprof reset`.
    await eventually(
      () => logs.some((line) => line.includes("the store was reset")),
      "llmprof never noticed the reset",
      10_000,
    );
    await post(llmprof.url, { model: "gpt-4o", messages: base });
    const [after] = await sessions(nextRecord, 1);
    assert(after.id !== before.id, "a new run");
    assertEquals([after.turn, after.parent_id, after.retry_of], [1, null, null]);
  }, withAnalysis));
