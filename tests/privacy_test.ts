// What each privacy level leaves in the store, read from the bytes on disk (SQLite file and
// WAL) and from Postgres rows.
import postgres from "postgres";
import { assert, assertEquals } from "../testing/assert.ts";
import { eventually, testConfig } from "./_harness.ts";
import { startFakeUpstream } from "./fake_upstream.ts";
import { freshDatabase, testPostgresUrl } from "../testing/postgres.ts";
import type { Config } from "../cli/config.ts";
import type { CallRecord } from "../core/record.ts";
import { startLlmprof } from "../server.ts";
import { SECRETS } from "./secrets.ts";

/** Parts of a secret that would survive being split across SQLite's overflow pages. */
function fragments(secret: string): string[] {
  const body = secret.replace(/^password=/, "");
  const out: string[] = [];
  for (let i = 0; i + 12 <= body.length; i += 6) {
    const piece = body.slice(i, i + 12);
    if (!piece.includes("-----") && !/^[A-Z ]+$/.test(piece)) out.push(piece);
  }
  return out;
}

const PROMPT_WORDS = ["quokkamarine", "zephyrlantern", "brambleclock", "mossfiddler"];

function requestBody(): string {
  const toolResult = `${PROMPT_WORDS[2]} config dump:\n` +
    Object.entries(SECRETS).filter(([k]) => k !== "jsonField").map(([k, v]) => `${k}: ${v}`).join(
      "\n",
    );
  return JSON.stringify({
    model: "gpt-4o",
    metadata: { authorization: SECRETS.jsonField },
    messages: [
      { role: "system", content: `You are ${PROMPT_WORDS[0]}, a helpful agent.` },
      { role: "user", content: `Read the ${PROMPT_WORDS[1]} settings.` },
      {
        role: "assistant",
        content: null,
        tool_calls: [{
          id: "call_1",
          type: "function",
          function: {
            name: "read_settings",
            arguments: JSON.stringify({ path: PROMPT_WORDS[3], api_key: SECRETS.jsonField }),
          },
        }],
      },
      { role: "tool", tool_call_id: "call_1", content: toolResult },
    ],
    tools: [{
      type: "function",
      function: {
        name: "read_settings",
        description: "Reads a settings file",
        parameters: { type: "object", properties: { path: { type: "string" } } },
      },
    }],
  });
}

/** Runs one call through llmprof at a privacy level and returns its stored record and what the store holds, as text. */
async function storeOneCall(
  config: Partial<Config>,
  dump: (llmprof: { store: unknown }) => Promise<string>,
): Promise<{ record: CallRecord; request: string | null; stored: string }> {
  const fake = startFakeUpstream({ record: false });
  const llmprof = await startLlmprof(testConfig(fake.url, config), {
    log: () => {},
    workers: 1,
    flushMs: 20,
  });
  try {
    const response = await fetch(`${llmprof.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer sk-test" },
      body: requestBody(),
    });
    assertEquals(response.status, 200);
    await response.body?.cancel();
    let id = "";
    await eventually(async () => {
      const { calls } = await llmprof.store.listCalls({ limit: 1 });
      id = calls[0]?.id ?? "";
      return calls[0]?.analysed === true;
    }, "the call is analysed and written");
    const stored = (await llmprof.store.getCall(id))!;
    return { record: stored.record, request: stored.request, stored: await dump(llmprof) };
  } finally {
    await llmprof.shutdown();
    await fake.close();
  }
}

/** The SQLite file and its WAL as text, read while llmprof still has them open. */
function sqliteBytes(path: string): () => Promise<string> {
  return async () => {
    let text = "";
    for (const file of [path, `${path}-wal`]) {
      try {
        text += new TextDecoder("latin1").decode(await Deno.readFile(file));
      } catch { /* no WAL yet */ }
    }
    return text;
  };
}

async function sqliteRun(privacy: Config["privacy"]) {
  const path = `${await Deno.makeTempDir()}/llmprof.db`;
  return await storeOneCall({ privacy, db: `sqlite:${path}` }, sqliteBytes(path));
}

function leaked(stored: string): string[] {
  return Object.entries(SECRETS).filter(([, secret]) =>
    fragments(secret).some((piece) => stored.includes(piece))
  ).map(([kind]) => kind);
}

Deno.test("with --privacy full the store holds the prompt, keys in JSON fields excepted", async () => {
  const full = await sqliteRun("full");
  // The search below finds what is there: every secret in text is in the file under full.
  assertEquals(leaked(full.stored), [
    "aws",
    "github",
    "openai",
    "anthropic",
    "slack",
    "privateKey",
    "jwt",
    "password",
  ]);
  assertEquals(full.record.privacy, "full");
  assert(full.request?.includes("[REDACTED:field]"));
});

Deno.test("with --privacy redact no secret kind reaches the SQLite file or its WAL", async () => {
  const { record, request, stored } = await sqliteRun("redact");
  assertEquals(leaked(stored), []);
  assertEquals(record.privacy, "redact");
  for (
    const kind of ["aws", "github", "openai", "anthropic", "slack", "privatekey", "jwt", "password"]
  ) {
    assert(request!.includes(`[REDACTED:${kind}]`), `${kind} is marked in ${request}`);
  }
  // The rest of the text is kept.
  assert(request!.includes(PROMPT_WORDS[1]));
  JSON.parse(request!);
});

Deno.test("with --privacy metadata no word of the prompt is stored, and the flame graph and costs match full", async () => {
  const full = await sqliteRun("full");
  const meta = await sqliteRun("metadata");
  for (const word of PROMPT_WORDS) {
    assert(full.stored.includes(word), `the search finds ${word} under full`);
    assert(!meta.stored.includes(word), `${word} is not stored under metadata`);
  }
  assertEquals(leaked(meta.stored), []);
  assertEquals(meta.request, null);
  assertEquals(meta.record.privacy, "metadata");
  assertEquals(meta.record.attribution?.tree, full.record.attribution?.tree);
  assertEquals(meta.record.attribution?.components, full.record.attribution?.components);
  assertEquals(meta.record.cost, full.record.cost);
  assertEquals(meta.record.usage, full.record.usage);
  assertEquals(
    meta.record.findings.map((f) => [f.kind, f.tokens, f.usd]),
    full.record.findings.map((f) => [f.kind, f.tokens, f.usd]),
  );
});

Deno.test("with --privacy redact no secret kind reaches the Postgres rows", async () => {
  const server = await testPostgresUrl();
  if (server === null) return;
  const url = await freshDatabase(server);
  const dump = async () => {
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const tables = await sql<{ table_name: string }[]>`
        SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`;
      let text = "";
      for (const { table_name } of tables) {
        const rows = await sql.unsafe(`SELECT row_to_json(t)::text AS row FROM "${table_name}" t`);
        text += rows.map((r) => r.row).join("\n");
      }
      return text;
    } finally {
      await sql.end();
    }
  };
  const { stored, record } = await storeOneCall({ privacy: "redact", db: url }, dump);
  assert(stored.includes(PROMPT_WORDS[1]), "the rows were read");
  assertEquals(leaked(stored), []);
  assertEquals(record.privacy, "redact");
});

Deno.test("a fresh data directory is owner-only, and so are the database, its WAL and shared memory", async () => {
  const home = `${await Deno.makeTempDir()}/fresh/llmprof`;
  const path = `${home}/llmprof.db`;
  await storeOneCall({ db: `sqlite:${path}` }, async () => {
    assertEquals((await Deno.stat(home)).mode! & 0o777, 0o700);
    for (const file of [path, `${path}-wal`, `${path}-shm`]) {
      assertEquals((await Deno.stat(file)).mode! & 0o777, 0o600, file);
    }
    return "";
  });
});
