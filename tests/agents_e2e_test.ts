/**
 * `llmprof run` with real coding agents (Claude Code, Codex) against the fake upstream,
 * and with plain commands for exit status, signals, the terminal and reuse.
 * The agents come from npm: `.ci/run` installs them into LLMPROF_AGENTS_DIR.
 */
import { assert, assertEquals, assertStringIncludes } from "../testing/assert.ts";
import { startFakeUpstream } from "./fake_upstream.ts";
import type { CallRecord } from "../core/record.ts";
import { formatTop, topReport } from "../reports/top.ts";
import { startLlmprof } from "../server.ts";
import { testConfig } from "./_harness.ts";
import { launchOf, llmprof, MAIN, storedRecords, summaryOf } from "./_launch.ts";

const AGENTS = Deno.env.get("LLMPROF_AGENTS_DIR") ??
  `${Deno.env.get("HOME")}/.cache/llmprof-ci/agents`;

function bin(name: string): string | null {
  const path = `${AGENTS}/node_modules/.bin/${name}`;
  try {
    Deno.statSync(path);
    return Deno.realPathSync(path);
  } catch {
    return null;
  }
}

const CLAUDE = bin("claude");
const CODEX = bin("codex");

/** `deno run main.ts run --quiet` on its own llmprof (a free port, a fresh store) for a shell script. */
function quietRun(dir: string, script: string): string[] {
  return [
    "run",
    "-A",
    MAIN,
    "run",
    "--quiet",
    "--port",
    "0",
    "--db",
    `sqlite:${dir}/db`,
    "--",
    "sh",
    "-c",
    script,
  ];
}

Deno.test({
  name: "llmprof run -- claude -p records Claude Code's runs, names and subagent, and its summary",
  ignore: CLAUDE === null,
  async fn() {
    const fake = startFakeUpstream();
    const dir = Deno.makeTempDirSync();
    const project = `${dir}/project`;
    Deno.mkdirSync(`${dir}/home`);
    Deno.mkdirSync(project);
    Deno.writeTextFileSync(`${project}/notes.txt`, "The notes say hello.\n".repeat(20));
    Deno.writeTextFileSync(`${project}/CLAUDE.md`, "Always answer in English.\n");
    const db = `sqlite:${dir}/llmprof.db`;
    try {
      // An absolute command path: it must reach neither the upstream URL nor the records.
      const run = await llmprof([
        "run",
        "--port",
        "0",
        "--anthropic-upstream",
        fake.url,
        "--db",
        db,
        "--",
        CLAUDE!,
        "-p",
        `[fake-agent] read ${project}/notes.txt`,
        "--allowedTools",
        "Read",
      ], {
        cwd: project,
        env: {
          HOME: `${dir}/home`,
          ANTHROPIC_API_KEY: "sk-ant-fake",
          CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
          DISABLE_AUTOUPDATER: "1",
        },
      });
      assertEquals(run.code, 0, run.err);
      assertStringIncludes(run.out, "All done.");
      const messages = fake.requests.filter((r) => r.path === "/v1/messages");
      assert(messages.length >= 6, `Claude Code made ${messages.length} calls`);
      for (const r of fake.requests) assert(!r.path.includes(AGENTS), r.path);

      const launch = launchOf(run.err);
      const records = await storedRecords(db, launch);
      assertEquals(records.length, messages.length);
      const session = messages[0].headers["x-claude-code-session-id"];
      assert(session, "Claude Code sent no session id header");

      // The main run is Claude Code's own session; the subagent is its own run under it.
      const main = records.filter((r) => r.session?.id === session);
      const sub = records.filter((r) => r.session?.parent_run === session);
      assertEquals(main.length + sub.length, records.length);
      // Read, Agent, Read, answer; Claude Code's subagent runs in the background and its
      // completion notice may add one more turn.
      assert(main.length >= 4, `${main.length} main-run calls`);
      assertEquals(sub.length, 2);
      assertEquals(new Set(sub.map((r) => r.session!.id)).size, 1);
      const spawner = main.find((r) => r.response?.tool_calls.some((c) => c.name === "Agent"));
      assert(spawner, "no main-run call spawned the subagent");
      for (const r of sub) assertEquals(r.session!.parent_turn, spawner.session!.turn);
      assertEquals(main.map((r) => r.session!.turn), main.map((_, i) => i + 1));
      assertEquals(sub.map((r) => r.session!.turn), [1, 2]);
      const mainName = main[0].session!.name!;
      assert(/^Claude Code 2\.\d+\.\d+ · “\[fake-agent\] read /.test(mainName), mainName);
      assert(/^Claude Code .* · “\[fake-sub\] read /.test(sub[0].session!.name!));
      for (const r of records) assertEquals(r.session!.launch, launch);

      // What Claude Code injects is named in the flame graph: its reminders, CLAUDE.md, its tools.
      const frame = (r: CallRecord, name: string) =>
        r.attribution!.tree.children.find((c) => c.name === name);
      const user = frame(main[0], "user input")!.children.map((c) => c.name);
      assert(user.includes("memory: CLAUDE.md"), user.join(", "));
      assert(user.includes("<system-reminder>"), user.join(", "));
      const builtIn = frame(main[0], "tool schemas")!.children.find((c) =>
        c.name === "built-in tools"
      );
      assert(builtIn?.children.some((c) => c.name === "Read"), "no built-in Read tool");
      // The main run reads notes.txt twice while the first result is in context.
      const reread = main.at(-1)!.findings.find((f) => f.kind === "reread");
      assert(
        reread?.detail.includes(`${project}/notes.txt`),
        JSON.stringify(main.at(-1)!.findings),
      );
      assert(reread!.tokens > 0);

      // The summary's figures are the stored records', and llmprof top prints the same.
      const report = topReport(records);
      const total = records.reduce((n, r) => n + (r.cost?.total_usd ?? 0), 0);
      assert(Math.abs(report.cost_usd - total) < 1e-12);
      assertEquals(report.runs.map((r) => r.id), [session, sub[0].session!.id]);
      const mainRun = report.runs[0];
      assert(mainRun.total_usd > mainRun.cost_usd, "the parent's total leaves out its subagent");
      assert(Math.abs(mainRun.total_usd - total) < 1e-12);
      const printed = summaryOf(run.err);
      assertStringIncludes(printed, `${records.length} calls in 2 runs`);
      const url = /Dashboard: (http:\/\/[^/]+\/_llmprof)/.exec(printed)?.[1];
      assert(url, printed);
      assertEquals(printed.trimEnd(), formatTop(report, { dashboard: url }));
      assertStringIncludes(printed, "built-in tools");
      const biggest = Math.max(...records.flatMap((r) => r.findings.map((f) => f.usd ?? 0)));
      assertEquals(report.findings[0].usd, biggest);

      const top = await llmprof(["top", "--launch", launch, "--json", "--db", db]);
      assertEquals(top.code, 0, top.err);
      assertEquals(JSON.parse(top.out), report);
      const byRun = await llmprof(["top", "--run", session, "--json", "--db", db]);
      assertEquals(JSON.parse(byRun.out).calls, records.length);

      // The Runs page names the run and links its subagent.
      const dashboard = await startLlmprof(testConfig(fake.url, { db }), { log: () => {} });
      try {
        const page = await (await fetch(
          `${dashboard.url}/_llmprof/runs?id=${encodeURIComponent(session)}`,
        )).text();
        assertStringIncludes(page, "Claude Code 2.");
        assertStringIncludes(page, `/_llmprof/runs?id=${encodeURIComponent(sub[0].session!.id)}`);
        assertStringIncludes(page, "Subagents:");
      } finally {
        await dashboard.shutdown();
      }
    } finally {
      await fake.close();
    }
  },
});

Deno.test("llmprof run exits with the child's status and passes its output through", async () => {
  const dir = Deno.makeTempDirSync();
  const run = await llmprof(
    quietRun(
      dir,
      'echo "$ANTHROPIC_BASE_URL $OPENAI_BASE_URL $GOOGLE_GEMINI_BASE_URL"; echo oops >&2; exit 7',
    ).slice(3),
  );
  assertEquals(run.code, 7);
  const [anthropic, openai, gemini] = run.out.trim().split(" ");
  assert(/^http:\/\/127\.0\.0\.1:\d+$/.test(anthropic), anthropic);
  assertEquals(openai, `${anthropic}/v1`);
  assertEquals(gemini, anthropic);
  assertEquals(run.err, "oops\n");
});

Deno.test("llmprof run forwards SIGTERM to the child and exits with its status", async () => {
  const dir = Deno.makeTempDirSync();
  const child = new Deno.Command(Deno.execPath(), {
    args: quietRun(
      dir,
      'trap "echo got-term; exit 9" TERM; echo ready; while true; do sleep 0.05; done',
    ),
    env: { LLMPROF_HOME: dir },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!out.includes("ready")) out += (await reader.read()).value ?? "";
  child.kill("SIGTERM");
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    out += value;
  }
  const status = await child.status;
  await child.stderr.cancel();
  assertStringIncludes(out, "got-term");
  assertEquals(status.code, 9);
});

Deno.test("an interactive child of llmprof run sees a terminal", async () => {
  const dir = Deno.makeTempDirSync();
  const inner = [
    Deno.execPath(),
    ...quietRun(dir, "test -t 0 && test -t 1 && test -t 2 && echo TTY-OK || echo NO-TTY"),
  ].map((a) => `'${a}'`).join(" ");
  const { code, stdout } = await new Deno.Command("script", {
    args: ["-qec", inner, "/dev/null"],
    env: { LLMPROF_HOME: dir },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(stdout);
  assertEquals(code, 0, out);
  assertStringIncludes(out, "TTY-OK");
});

Deno.test("llmprof run reuses an llmprof already listening, and refuses a port held by something else", async () => {
  const fake = startFakeUpstream();
  const dir = Deno.makeTempDirSync();
  const running = await startLlmprof(testConfig(fake.url, { db: `sqlite:${dir}/db` }), {
    log: () => {},
  });
  const other = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("not llmprof"),
  );
  try {
    const reused = await llmprof([
      "run",
      "--port",
      String(running.port),
      "--",
      "sh",
      "-c",
      'echo "$OPENAI_BASE_URL"',
    ]);
    assertEquals(reused.code, 0, reused.err);
    assertEquals(reused.out.trim(), `${running.url}/v1`);
    assertStringIncludes(reused.err, `using the llmprof already on ${running.url}`);
    assertStringIncludes(reused.err, "0 calls in 0 runs");

    const refused = await llmprof(["run", "--port", String(other.addr.port), "--", "true"]);
    assertEquals(refused.code, 2);
    assertStringIncludes(refused.err, "is not llmprof");
  } finally {
    await other.shutdown();
    await running.shutdown();
    await fake.close();
  }
});

Deno.test({
  name:
    "llmprof run -- codex exec records Codex's tool loop and its subagent by session id, names them, and sums them up",
  ignore: CODEX === null,
  async fn() {
    const fake = startFakeUpstream();
    const dir = Deno.makeTempDirSync();
    const project = `${dir}/project`;
    Deno.mkdirSync(`${dir}/home/.codex`, { recursive: true });
    Deno.mkdirSync(project);
    Deno.writeTextFileSync(`${project}/notes.txt`, "The notes say hello.\n".repeat(20));
    const db = `sqlite:${dir}/llmprof.db`;
    try {
      const run = await llmprof([
        "run",
        "--port",
        "0",
        "--upstream",
        fake.url,
        "--db",
        db,
        "--",
        CODEX!,
        "exec",
        "--skip-git-repo-check",
        "--dangerously-bypass-approvals-and-sandbox",
        `[fake-agent] read ${project}/notes.txt`,
      ], {
        cwd: project,
        env: { HOME: `${dir}/home`, CODEX_HOME: `${dir}/home/.codex`, OPENAI_API_KEY: "sk-fake" },
      });
      assertEquals(run.code, 0, run.out + run.err);
      assertStringIncludes(run.out, "Done: the file is read.");
      const calls = fake.requests.filter((r) => r.path === "/v1/responses");
      const launch = launchOf(run.err);
      for (const c of calls) assertEquals(c.headers["x-llmprof-launch"], launch);
      const records = await storedRecords(db, launch);
      assertEquals(records.length, calls.length);
      const session = calls[0].headers["session-id"];
      assert(session, "Codex sent no session-id header");
      // The subagent's calls carry the root session too, and name the thread that spawned it.
      const subCalls = calls.filter((c) => c.headers["x-codex-parent-thread-id"] === session);
      assertEquals(subCalls.length, 2, "the subagent reads and answers");

      // The main run is Codex's session: read, spawn, wait, read again, answer.
      const main = records.filter((r) => r.session?.id === session);
      const sub = records.filter((r) => r.session?.parent_run === session);
      assertEquals([main.length, sub.length], [5, 2]);
      assertEquals(main.map((r) => r.session!.turn), [1, 2, 3, 4, 5]);
      assertEquals(main[0].session!.source, "agent");
      assertEquals(sub.map((r) => r.session!.turn), [1, 2]);
      assertEquals(new Set(sub.map((r) => r.session!.id)).size, 1);
      assertEquals(sub[0].session!.source, "subagent");
      const spawner = main.find((r) =>
        r.response?.tool_calls.some((c) => c.name === "spawn_agent")
      );
      assertEquals(spawner?.session?.turn, 2);
      for (const r of sub) assertEquals(r.session!.parent_turn, 2);
      const mainName = main[0].session!.name!;
      assert(/^Codex 0\.171\.\d+ · “\[fake-agent\] read /.test(mainName), mainName);
      for (const r of main) assertEquals(r.session!.name, mainName);
      const subName = sub[0].session!.name!;
      assert(/^Codex 0\.171\.\d+ · “\[fake-sub\] read /.test(subName), subName);
      for (const r of records) assertEquals(r.session!.launch, launch);

      // Tool frames: the exec script and the spawn are tool calls, the file's text a tool
      // result, and the tool schemas Codex sends as an input item are tool schemas.
      const frame = (r: CallRecord, name: string) =>
        r.attribution!.tree.children.find((c) => c.name === name);
      const last = main.at(-1)!;
      const toolCalls = frame(last, "tool calls")!.children.map((c) => c.name);
      for (const name of ["exec", "spawn_agent", "wait_agent"]) {
        assert(toolCalls.includes(name), toolCalls.join(", "));
      }
      assert(frame(last, "tool results")!.children.some((c) => c.name === "exec"));
      const builtIn = frame(main[0], "tool schemas")!.children.find((c) =>
        c.name === "built-in tools"
      )!.children.map((c) => c.name);
      for (const name of ["exec", "spawn_agent"]) assert(builtIn.includes(name), builtIn.join());
      assert(!frame(main[0], "tool results"), "the first turn has no tool result");

      // The summary's figures are the stored records', and llmprof top prints the same.
      const report = topReport(records);
      const total = records.reduce((n, r) => n + (r.cost?.total_usd ?? 0), 0);
      assert(Math.abs(report.cost_usd - total) < 1e-12);
      assertEquals(report.calls, records.length);
      assertEquals(report.runs.map((r) => r.id), [session, sub[0].session!.id]);
      assert(Math.abs(report.runs[0].total_usd - total) < 1e-12);
      const printed = summaryOf(run.err);
      assertStringIncludes(printed, `${records.length} calls in 2 runs`);
      const url = /Dashboard: (http:\/\/[^/]+\/_llmprof)/.exec(printed)?.[1];
      assert(url, printed);
      assertEquals(printed.trimEnd(), formatTop(report, { dashboard: url }));
      const top = await llmprof(["top", "--launch", launch, "--json", "--db", db]);
      assertEquals(top.code, 0, top.err);
      assertEquals(JSON.parse(top.out), report);
    } finally {
      await fake.close();
    }
  },
});
