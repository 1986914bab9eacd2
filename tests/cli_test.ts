import { assert, assertEquals, assertStringIncludes } from "../testing/assert.ts";
import { testConfig } from "./_harness.ts";
import { startLlmprof } from "../server.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

function llmprof(args: string[], env: Record<string, string> = {}): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    env: { LLMPROF_HOME: Deno.makeTempDirSync(), ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

async function finish(child: Deno.ChildProcess) {
  const { code, stdout, stderr } = await child.output();
  return { code, out: new TextDecoder().decode(stdout), err: new TextDecoder().decode(stderr) };
}

/** Reads stdout until `needle` appears; returns what was read. */
async function readUntil(child: Deno.ChildProcess, needle: string): Promise<string> {
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes(needle)) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`llmprof exited before printing "${needle}": ${text}`);
    text += value;
  }
  reader.releaseLock();
  return text;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

Deno.test("llmprof --help lists every setting with its environment variable", async () => {
  const { code, out } = await finish(llmprof(["--help"]));
  assertEquals(code, 0);
  for (
    const env of [
      "LLMPROF_HOST",
      "LLMPROF_PORT",
      "LLMPROF_UPSTREAM",
      "LLMPROF_ANTHROPIC_UPSTREAM",
      "LLMPROF_HOME",
      "LLMPROF_DB_URL",
      "LLMPROF_PRICING",
    ]
  ) {
    assertStringIncludes(out, env);
  }
  assertStringIncludes(out, "--anthropic-upstream");
});

Deno.test("llmprof up prints the base URLs to use, serves, and stops on SIGTERM", async () => {
  const port = freePort();
  const child = llmprof(["up"], { LLMPROF_PORT: String(port) });
  const banner = await readUntil(child, "Dashboard");
  assertStringIncludes(banner, `base_url  http://127.0.0.1:${port}/v1 `);
  assertStringIncludes(banner, `base_url  http://127.0.0.1:${port} `);
  assertStringIncludes(banner, `http://127.0.0.1:${port}/_llmprof/`);
  const health = await (await fetch(`http://127.0.0.1:${port}/_llmprof/health`)).json();
  assertEquals(health.status, "ok");
  child.kill("SIGTERM");
  const { code } = await child.status;
  await child.stdout.cancel().catch(() => {});
  await child.stderr.cancel();
  assertEquals(code, 0);
});

Deno.test("llmprof stops with status 2 and one sentence when the port is in use", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const { port } = listener.addr as Deno.NetAddr;
    const { code, err } = await finish(llmprof(["--port", String(port)]));
    assertEquals(code, 2);
    assertEquals(
      err.trim(),
      `Port ${port} on 127.0.0.1 is already in use: stop the other process or pass --port.`,
    );
  } finally {
    listener.close();
  }
});

Deno.test("llmprof stops with status 2 when an upstream is llmprof itself", async () => {
  const port = freePort();
  const own = `http://localhost:${port}`;
  const { code, err } = await finish(
    llmprof(["--port", String(port), "--anthropic-upstream", own]),
  );
  assertEquals(code, 2);
  assertEquals(
    err.trim(),
    `The upstream ${own}/ is llmprof itself (127.0.0.1:${port}): point --anthropic-upstream at the provider.`,
  );
});

Deno.test("llmprof stops with status 2 on a bad flag value or unknown flag", async () => {
  for (
    const [args, message] of [
      [["--port", "abc"], 'Invalid port "abc"'],
      [["--upstream", "nope"], 'Invalid --upstream "nope"'],
      [["--db", "redis://x"], 'Unknown store "redis://x"'],
      [["--frobnicate"], "--frobnicate"],
      [["--pricing", "/does/not/exist.json"], 'Cannot read price overrides "/does/not/exist.json"'],
    ] as const
  ) {
    const { code, err } = await finish(llmprof([...args]));
    assertEquals(code, 2, `${args.join(" ")}: ${err}`);
    assertStringIncludes(err, message);
    assert(err.trim().split("\n").length === 1, `one line, got: ${err}`);
  }
});

Deno.test("llmprof stops with status 2 and one sentence when the store cannot be opened", async () => {
  const { startPostgres, pgBinDir } = await import("../testing/postgres.ts");
  const cases: Array<[string, string]> = [
    [
      "postgres://app:secret@127.0.0.1:1/llmprof",
      'Cannot open store "postgres://app:***@127.0.0.1:1/llmprof": nothing is listening there',
    ],
    ["postgres://app:secret@no-such-host.invalid/llmprof", "the host name does not resolve"],
    ["sqlite:/proc/llmprof/llmprof.db", 'Cannot open store "sqlite:/proc/llmprof/llmprof.db"'],
  ];
  const pg = pgBinDir() ? await startPostgres() : null;
  if (pg) {
    cases.push([
      pg.url.replace("llmprof-test@", "wrong-password@"),
      "the user name or password was rejected",
    ]);
  }
  try {
    for (const [url, message] of cases) {
      const { code, err, out } = await finish(llmprof(["--db", url]));
      assertEquals(code, 2, `${url}: ${err}`);
      assertStringIncludes(err, message);
      assertEquals(err.trim().split("\n").length, 1, err);
      assert(
        !err.includes("secret") && !err.includes("wrong-password"),
        "the password is never printed",
      );
      assertEquals(out, "", "no banner: it never fell back to another store");
    }
  } finally {
    await pg?.destroy();
  }
});

Deno.test("llmprof prices shows the resolved prices and their source", async () => {
  const { code, out } = await finish(llmprof(["prices", "claude-sonnet-4-5-20250929"]));
  assertEquals(code, 0);
  assertStringIncludes(out, "claude-sonnet-4-5-20250929 → anthropic/claude-sonnet-4-5");
  assertStringIncludes(out, "source          genai-prices");
  assertStringIncludes(out, "input           $3, $6 above 200,000 prompt tokens");
  assertStringIncludes(out, "cache write 1h  $6");

  const file = await Deno.makeTempFile({ suffix: ".json" });
  await Deno.writeTextFile(file, JSON.stringify({ "gpt-4o": [0.001, 0.002] }));
  const overridden = await finish(llmprof(["prices", "gpt-4o", "--pricing", file]));
  assertStringIncludes(overridden.out, "source          override: gpt-4o");
  assertStringIncludes(overridden.out, "input           $1");

  const unknown = await finish(llmprof(["prices", "no-such-model-xyz"]));
  assertEquals(unknown.code, 1);
  assertStringIncludes(unknown.err, 'No price known for "no-such-model-xyz"');
});

Deno.test("llmprof up stops with status 2 naming the key of a malformed price override", async () => {
  const file = await Deno.makeTempFile({ suffix: ".json" });
  await Deno.writeTextFile(
    file,
    JSON.stringify({ "good-model": [1, 2], "bad-model": { input: "cheap", output: 1 } }),
  );
  const { code, err } = await finish(llmprof(["--pricing", file, "--port", "0"]));
  assertEquals(code, 2);
  assertStringIncludes(
    err,
    'Invalid price override "bad-model": "input" must be a non-negative number',
  );
  assertEquals(err.trim().split("\n").length, 1);
});

async function seededHome(count: number): Promise<string> {
  const { openStore } = await import("../store/mod.ts");
  const { sampleCall } = await import("../testing/records.ts");
  const home = await Deno.makeTempDir();
  const store = await openStore(`sqlite:${home}/llmprof.db`);
  await store.writeBatch(Array.from({ length: count }, (_, i) =>
    sampleCall({
      id: `call-${i}`,
      created_at: new Date(Date.UTC(2026, 10, 27, 10, i)).toISOString(),
      model: i % 2 ? "gpt-4o" : "claude-sonnet-4-6",
      session: {
        id: "run-abcdef",
        turn: i + 1,
        source: i ? "chain" : "new",
        parent_id: null,
        retry_of: null,
        fork: false,
      },
    })));
  await store.close();
  return home;
}

Deno.test("llmprof traces lists recent calls from the store, as a table or JSON", async () => {
  const home = await seededHome(3);
  const table = await finish(llmprof(["traces", "--limit", "2"], { LLMPROF_HOME: home }));
  assertEquals(table.code, 0, table.err);
  const lines = table.out.trim().split("\n");
  assertStringIncludes(lines[0], "time");
  assertStringIncludes(lines[0], "biggest component");
  assertStringIncludes(lines[1], "claude-sonnet-4-6", "newest first");
  assertStringIncludes(lines[1], "system prompt");
  assertStringIncludes(lines[1], "abcdef · 3");
  assertStringIncludes(lines[2], "gpt-4o");
  assertStringIncludes(table.out, "2 of 3 calls");
  // No llmprof recorded its address in this store: the footer names none, not a guess.
  assertStringIncludes(table.out, "Dashboard: none recorded in this store");
  assert(!table.out.includes("127.0.0.1:4000"), table.out);
  const json = await finish(llmprof(["traces", "--json", "--db", `sqlite:${home}/llmprof.db`]));
  const parsed = JSON.parse(json.out);
  assertEquals([parsed.total, parsed.calls[0].id], [3, "call-2"]);
  const bad = await finish(llmprof(["traces", "--db", "postgres://u:p@127.0.0.1:1/x"]));
  assertEquals(bad.code, 2);
  assertStringIncludes(bad.err, 'Cannot open store "postgres://u:***@127.0.0.1:1/x"');
});

Deno.test("llmprof reset asks before deleting, and --yes deletes", async () => {
  const home = await seededHome(2);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "reset"],
    env: { LLMPROF_HOME: home },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode("n\n"));
  await writer.close();
  const declined = await child.output();
  assertEquals(declined.code, 1);
  assertStringIncludes(new TextDecoder().decode(declined.stdout), "Nothing deleted.");
  const yes = await finish(llmprof(["reset", "--yes"], { LLMPROF_HOME: home }));
  assertEquals(yes.code, 0, yes.err);
  assertStringIncludes(yes.out, "Deleted 2 calls.");
  const after = await finish(llmprof(["traces"], { LLMPROF_HOME: home }));
  assertStringIncludes(after.out, "No calls recorded yet.");
});

Deno.test("llmprof traces names the dashboard of the llmprof that wrote the store, and agrees with the API on the projection", async () => {
  const home = await Deno.makeTempDir();
  const config = testConfig("http://127.0.0.1:9", { home, db: `sqlite:${home}/llmprof.db` });
  const running = await startLlmprof(config, { analyse: false });
  const { openStore } = await import("../store/mod.ts");
  const { sampleCall } = await import("../testing/records.ts");
  let summary;
  try {
    const store = await openStore(`sqlite:${home}/llmprof.db`);
    const now = Date.now();
    await store.writeBatch(
      [0, 1].map((i) =>
        sampleCall({ id: `burst-${i}`, created_at: new Date(now - i * 60_000).toISOString() })
      ),
    );
    await store.close();
    summary = await (await fetch(`${running.url}/_llmprof/api/summary`)).json();
  } finally {
    await running.shutdown();
  }
  const table = await finish(llmprof(["traces"], { LLMPROF_HOME: home }));
  assertEquals(table.code, 0, table.err);
  assertStringIncludes(table.out, `Dashboard: ${running.url}/_llmprof/`);
  assert(running.port !== 4000 && !table.out.includes(":4000/"), table.out);
  assertEquals(summary.projection.status, "too_little_data");
  assertStringIncludes(table.out, `no monthly projection: ${summary.projection.reason}.`);
  const json = JSON.parse(
    (await finish(llmprof(["traces", "--json"], { LLMPROF_HOME: home }))).out,
  );
  assertEquals(json.dashboard, `${running.url}/_llmprof/`);
  assertEquals(json.projection.status, summary.projection.status);
  assertEquals(json.projection.spent_usd, summary.projection.spent_usd);
});

Deno.test("llmprof prune --older-than deletes older calls after a confirmation and says how much it freed", async () => {
  const { openStore } = await import("../store/mod.ts");
  const { sampleCall } = await import("../testing/records.ts");
  const home = await seededHome(3);
  const store = await openStore(`sqlite:${home}/llmprof.db`);
  const old = sampleCall(
    { id: "ancient", created_at: new Date(Date.now() - 40 * 86_400_000).toISOString() },
    JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "old ".repeat(40) }] }),
  );
  await store.writeBatch([old]);
  await store.close();
  const none = await finish(
    llmprof(["prune", "--older-than", "90d", "--yes"], { LLMPROF_HOME: home }),
  );
  assertEquals(none.code, 0, none.err);
  assertStringIncludes(none.out, "Nothing to delete");
  const bad = await finish(llmprof(["prune", "--older-than", "soon"], { LLMPROF_HOME: home }));
  assertEquals(bad.code, 2);
  assertStringIncludes(bad.err, "--older-than 30d");
  const yes = await finish(
    llmprof(["prune", "--older-than", "30d", "--yes"], { LLMPROF_HOME: home }),
  );
  assertEquals(yes.code, 0, yes.err);
  assertStringIncludes(yes.out, "Deleted 1 calls");
  assertStringIncludes(yes.out, "freed");
  const after = await finish(llmprof(["traces", "--json"], { LLMPROF_HOME: home }));
  assertEquals(JSON.parse(after.out).total, 3);
});
