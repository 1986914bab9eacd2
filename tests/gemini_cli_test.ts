// Runs the real Gemini CLI (`@google/gemini-cli`, installed by .ci/run and named by
// LLMPROF_GEMINI_CLI) against the fake upstream, directly, through llmprof, and through
// `llmprof run -- gemini` with a scripted tool loop and subagent.
import { assert, assertEquals, assertStringIncludes } from "../testing/assert.ts";
import { eventually, withRig } from "./_harness.ts";
import { startFakeUpstream } from "./fake_upstream.ts";
import type { CallRecord } from "../core/record.ts";
import { formatTop, topReport } from "../reports/top.ts";
import { launchOf, llmprof, storedRecords, summaryOf } from "./_launch.ts";

const cli = Deno.env.get("LLMPROF_GEMINI_CLI");
if (!cli) {
  const notice = "gemini_cli_test: LLMPROF_GEMINI_CLI is not set, the Gemini CLI test is skipped " +
    "(bash .ci/run installs @google/gemini-cli and sets it)";
  console.error(`\n*** ${notice} ***\n`);
  if (Deno.env.get("CI") === "true") throw new Error(notice);
}

/** A home for the Gemini CLI: its settings pick the API key and turn usage statistics off. */
async function geminiHome(): Promise<string> {
  const home = await Deno.makeTempDir({ prefix: "llmprof-gemini-home-" });
  await Deno.mkdir(`${home}/.gemini`);
  await Deno.writeTextFile(
    `${home}/.gemini/settings.json`,
    JSON.stringify({
      security: { auth: { selectedType: "gemini-api-key" } },
      privacy: { usageStatisticsEnabled: false },
    }),
  );
  return home;
}

/** One headless Gemini CLI run with its own home and workspace; its answer on stdout. */
async function gemini(baseUrl: string): Promise<string> {
  const home = await geminiHome();
  const output = await new Deno.Command(cli!, {
    args: ["-p", "Say hello", "-m", "gemini-2.5-flash"],
    cwd: home,
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: home,
      GEMINI_API_KEY: "AIza-cli-test-key",
      GOOGLE_GEMINI_BASE_URL: baseUrl,
      GEMINI_CLI_TRUST_WORKSPACE: "true",
    },
    stdin: "null",
  }).output();
  await Deno.remove(home, { recursive: true });
  const stdout = new TextDecoder().decode(output.stdout);
  assertEquals(output.code, 0, new TextDecoder().decode(output.stderr));
  return stdout;
}

Deno.test({
  name: "the Gemini CLI gets the same answer through llmprof, its turns chained into one run",
  ignore: !cli,
  fn: () =>
    withRig(async ({ fake, llmprof }) => {
      const direct = await gemini(fake.url);
      const before = fake.requests.length;
      // The CLI names no session on the Gemini API: no header, no body field (llmprof run
      // gives it one, below).
      for (const r of fake.requests) {
        const names = Object.keys(r.headers).filter((h) => /session|prompt-id/i.test(h));
        assertEquals(names, [], r.path);
        const body = JSON.parse(new TextDecoder().decode(r.body));
        assertEquals([body.session_id, body.user_prompt_id], [undefined, undefined]);
      }
      const proxied = await gemini(llmprof.url);
      assertEquals(proxied, direct);
      assertEquals(proxied.trim(), "Hello from the fake upstream.");
      const turns = fake.requests.length - before;
      assert(turns >= 1, "the CLI called the model");
      type Listed = {
        calls: Array<
          { api: string; analysed: boolean; session_id: string; turn: number; model: string }
        >;
      };
      let listed: Listed = { calls: [] };
      await eventually(async () => {
        listed = await (await fetch(`${llmprof.url}/_llmprof/api/calls`)).json();
        const analysed = listed.calls.filter((c) => c.api === "generateContent" && c.analysed);
        return analysed.length === turns;
      }, "every call of the CLI is analysed");
      const calls = listed.calls.filter((c) => c.api === "generateContent");
      assertEquals(new Set(calls.map((c) => c.model)), new Set(["gemini-2.5-flash"]));
      assertEquals(new Set(calls.map((c) => c.session_id)).size, 1, "one run");
      assertEquals(calls.map((c) => c.turn).sort(), calls.map((_, i) => i + 1));
    }, () => ({ analyse: true })),
});

Deno.test({
  name:
    "llmprof run -- gemini -p records the Gemini CLI's tool loop and subagent as runs of its session, names them, and sums them up",
  ignore: !cli,
  async fn() {
    const fake = startFakeUpstream();
    const home = await geminiHome();
    const db = `sqlite:${home}/llmprof.db`;
    await Deno.writeTextFile(`${home}/notes.txt`, "The notes say hello.\n".repeat(20));
    try {
      const run = await llmprof([
        "run",
        "--port",
        "0",
        "--gemini-upstream",
        fake.url,
        "--db",
        db,
        "--",
        cli!,
        "-p",
        `[fake-agent] read ${home}/notes.txt`,
        "-m",
        "gemini-2.5-flash",
      ], {
        cwd: home,
        env: {
          PATH: Deno.env.get("PATH") ?? "",
          HOME: home,
          GEMINI_API_KEY: "AIza-cli-test-key",
          GEMINI_CLI_TRUST_WORKSPACE: "true",
        },
      });
      assertEquals(run.code, 0, run.err);
      assertStringIncludes(run.out, "All done.");
      const calls = fake.requests.filter((r) => r.path.includes(":streamGenerateContent"));
      const launch = launchOf(run.err);
      // The CLI sends no session id of its own; llmprof run started it with one and sends it.
      const session = calls[0].headers["x-llmprof-agent-session"];
      assert(/^[0-9a-f-]{36}$/.test(session ?? ""), JSON.stringify(calls[0].headers));
      for (const c of calls) {
        assertEquals(c.headers["x-llmprof-launch"], launch);
        assertEquals(c.headers["x-llmprof-agent-session"], session);
      }
      const records = await storedRecords(db, launch);
      assertEquals(records.length, calls.length);

      // The main run is the session: read, invoke the subagent, read again, answer. The
      // subagent (read, complete_task) is its own run under the turn that invoked it.
      const main = records.filter((r) => r.session?.id === session);
      const sub = records.filter((r) => r.session?.parent_run === session);
      assertEquals([main.length, sub.length], [4, 2]);
      assertEquals(main.map((r) => r.session!.turn), [1, 2, 3, 4]);
      assertEquals(main[0].session!.source, "agent");
      const spawner = main.find((r) =>
        r.response?.tool_calls.some((c) => c.name === "invoke_agent")
      );
      assertEquals(spawner?.session?.turn, 2);
      assertEquals(sub.map((r) => r.session!.turn), [1, 2]);
      assertEquals(new Set(sub.map((r) => r.session!.id)).size, 1);
      assertEquals(sub[0].session!.source, "subagent");
      for (const r of sub) assertEquals(r.session!.parent_turn, 2);
      const mainName = main[0].session!.name!;
      assert(/^Gemini CLI 0\.\d+\.\d+ · “\[fake-agent\] read /.test(mainName), mainName);
      for (const r of main) assertEquals(r.session!.name, mainName);
      assert(/^Gemini CLI .* · “\[fake-sub\] read /.test(sub[0].session!.name!));
      for (const r of records) assertEquals(r.session!.launch, launch);

      // Tool frames: the CLI's session context is named in the user input, its tools are
      // built-in tools, each read_file call and its result have their frame.
      const frame = (r: CallRecord, name: string) =>
        r.attribution!.tree.children.find((c) => c.name === name);
      const user = frame(main[0], "user input")!.children.map((c) => c.name);
      assert(user.includes("<session_context>"), user.join(", "));
      const builtIn = frame(main[0], "tool schemas")!.children.find((c) =>
        c.name === "built-in tools"
      )!.children.map((c) => c.name);
      for (const name of ["read_file", "invoke_agent"]) {
        assert(builtIn.includes(name), builtIn.join());
      }
      const last = main.at(-1)!;
      const toolCalls = frame(last, "tool calls")!.children.map((c) => c.name);
      for (const name of ["read_file", "invoke_agent"]) {
        assert(toolCalls.includes(name), toolCalls.join());
      }
      assert(frame(last, "tool results")!.children.some((c) => c.name === "read_file"));
      // The main run reads notes.txt twice while the first result is in context.
      const reread = last.findings.find((f) => f.kind === "reread");
      assert(reread?.detail.includes(`${home}/notes.txt`), JSON.stringify(last.findings));

      // The summary's figures are the stored records', and llmprof top prints the same.
      const report = topReport(records);
      const total = records.reduce((n, r) => n + (r.cost?.total_usd ?? 0), 0);
      assert(total > 0, "the calls are priced");
      assert(Math.abs(report.cost_usd - total) < 1e-12);
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
      await Deno.remove(home, { recursive: true });
    }
  },
});
