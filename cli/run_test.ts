import { assertEquals, assertThrows } from "../testing/assert.ts";
import { childSetup, geminiSession, parseRunArgs } from "./run.ts";
import { ConfigError } from "./config.ts";

Deno.test("llmprof run takes its own flags before the command and passes the rest to it", () => {
  assertEquals(
    parseRunArgs(["--quiet", "--port", "0", "--", "claude", "-p", "hi", "--port", "9"]),
    {
      flags: ["--port", "0"],
      quiet: true,
      command: "claude",
      args: ["-p", "hi", "--port", "9"],
    },
  );
  assertEquals(
    parseRunArgs(["/usr/local/bin/codex", "exec", "--help"]).command,
    "/usr/local/bin/codex",
  );
  assertEquals(parseRunArgs(["--db=sqlite:/tmp/x", "aider"]).flags, ["--db=sqlite:/tmp/x"]);
  assertThrows(() => parseRunArgs(["--quiet"]), ConfigError, "needs a command");
  assertThrows(() => parseRunArgs(["-p", "claude"]), ConfigError, "put the command after --");
});

Deno.test("the child's environment points every provider at llmprof and tags the launch", () => {
  const { env, args } = childSetup("/opt/bin/claude", {
    PATH: "/bin",
    ANTHROPIC_CUSTOM_HEADERS: "x-team: infra",
  }, { url: "http://127.0.0.1:4000", launch: "L123" });
  assertEquals(env.ANTHROPIC_BASE_URL, "http://127.0.0.1:4000");
  assertEquals(env.OPENAI_BASE_URL, "http://127.0.0.1:4000/v1");
  assertEquals(env.GOOGLE_GEMINI_BASE_URL, "http://127.0.0.1:4000");
  assertEquals(env.ANTHROPIC_CUSTOM_HEADERS, "x-team: infra\nx-llmprof-launch: L123");
  assertEquals(env.PATH, "/bin");
  assertEquals(args, []);
  // The command's path reaches neither a URL nor a header.
  for (const value of Object.values(env)) assertEquals(value.includes("/opt/bin"), false);

  const codex = childSetup("/usr/lib/node_modules/.bin/codex", {}, {
    url: "http://127.0.0.1:4000",
    launch: "L9",
  });
  assertEquals(codex.args[0], "-c");
  assertEquals(codex.args[1].startsWith("model_providers.llmprof={"), true);
  assertEquals(codex.args[1].includes('base_url = "http://127.0.0.1:4000/v1"'), true);
  assertEquals(codex.args[1].includes("supports_websockets = false"), true);
  assertEquals(codex.args[1].includes('"x-llmprof-launch" = "L9"'), true);
  assertEquals(codex.args.slice(2), ["-c", "model_provider=llmprof"]);
});

Deno.test("the Gemini CLI gets a session id it sends as a header, with the launch, unless it resumes one", () => {
  const gemini = childSetup("/opt/bin/gemini", { GEMINI_CLI_CUSTOM_HEADERS: "x-team: infra" }, {
    url: "http://127.0.0.1:4000",
    launch: "L7",
    args: ["-p", "hi"],
  });
  assertEquals(gemini.args[0], "--session-id");
  const id = gemini.args[1];
  assertEquals(/^[0-9a-f-]{36}$/.test(id), true);
  assertEquals(
    gemini.env.GEMINI_CLI_CUSTOM_HEADERS,
    `x-team: infra, x-llmprof-launch: L7, x-llmprof-agent-session: ${id}`,
  );
  assertEquals(geminiSession(["--session-id", "mine", "-p", "hi"]), { id: "mine", args: [] });
  assertEquals(geminiSession(["--session-id=mine"]), { id: "mine", args: [] });
  assertEquals(geminiSession(["--resume", "latest"]), { id: null, args: [] });
  assertEquals(geminiSession(["mcp", "list"]), { id: null, args: [] });
  const resumed = childSetup("gemini", {}, { url: "u", launch: "L8", args: ["-r", "2"] });
  assertEquals(resumed.args, []);
  assertEquals(resumed.env.GEMINI_CLI_CUSTOM_HEADERS, "x-llmprof-launch: L8");
});
