// Runs the real Gemini CLI (`@google/gemini-cli`, installed by .ci/run and named by
// LLMPROF_GEMINI_CLI) against the fake upstream, directly and through llmprof.
import { assert, assertEquals } from "../testing/assert.ts";
import { eventually, withRig } from "./_harness.ts";

const cli = Deno.env.get("LLMPROF_GEMINI_CLI");
if (!cli) {
  const notice = "gemini_cli_test: LLMPROF_GEMINI_CLI is not set, the Gemini CLI test is skipped " +
    "(bash .ci/run installs @google/gemini-cli and sets it)";
  console.error(`\n*** ${notice} ***\n`);
  if (Deno.env.get("CI") === "true") throw new Error(notice);
}

/** One headless Gemini CLI run with its own home and workspace; its answer on stdout. */
async function gemini(baseUrl: string): Promise<string> {
  const home = await Deno.makeTempDir({ prefix: "llmprof-gemini-home-" });
  await Deno.mkdir(`${home}/.gemini`);
  await Deno.writeTextFile(
    `${home}/.gemini/settings.json`,
    JSON.stringify({
      security: { auth: { selectedType: "gemini-api-key" } },
      privacy: { usageStatisticsEnabled: false },
    }),
  );
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
