// Prompts stored once: every API's request through the block store and back, on every store.
import { DatabaseSync } from "node:sqlite";
import postgres from "postgres";
import { assert, assertEquals } from "../testing/assert.ts";
import { freshDatabase, testPostgresUrl } from "../testing/postgres.ts";
import { capturedCall } from "../testing/captured.ts";
import { analyzeCall, newCounters } from "../analysis/analyze.ts";
import { elideBase64 } from "../formats/elide.ts";
import { joinBlocks } from "../core/blocks.ts";
import type { Api } from "../core/call.ts";
import type { BaseStore, StoredCall } from "./contract.ts";
import { openStore } from "./open_store.ts";

const pgServer = await testPostgresUrl();
const backends: Array<[string, () => Promise<string>]> = [
  [
    "sqlite",
    async () => `sqlite:${await Deno.makeTempDir({ prefix: "llmprof-blocks-" })}/llmprof.db`,
  ],
];
if (pgServer) backends.push(["postgres", () => freshDatabase(pgServer)]);

function blockTest(name: string, fn: (store: BaseStore, url: string) => Promise<void>) {
  for (const [kind, makeUrl] of backends) {
    Deno.test(`${kind} store: ${name}`, async () => {
      const url = await makeUrl();
      const store = await openStore(url);
      try {
        await fn(store, url);
      } finally {
        await store.close();
      }
    });
  }
}

/** Rows of a query on the store behind `url`, outside llmprof. */
async function query(url: string, sql: string): Promise<Array<Record<string, unknown>>> {
  if (url.startsWith("sqlite:")) {
    const db = new DatabaseSync(url.slice("sqlite:".length));
    try {
      return db.prepare(sql).all() as Array<Record<string, unknown>>;
    } finally {
      db.close();
    }
  }
  const sql_ = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return [...await sql_.unsafe(sql)];
  } finally {
    await sql_.end();
  }
}

const PNG = "iVBORw0KGgo" + "A".repeat(4_000);
const SYSTEM = "You are a careful assistant who answers in full sentences. ".repeat(20);
const TOOLS = [{
  type: "function",
  function: {
    name: "read_file",
    description: "Reads a file of the repository and returns its text.",
    parameters: { type: "object", properties: { path: { type: "string" } } },
  },
}];

/** One request per API, as its SDK would send it (images included). */
const REQUESTS: Array<[Api, string]> = [
  [
    "chat.completions",
    JSON.stringify({
      model: "gpt-4o",
      messages: [
        { role: "system", content: SYSTEM },
        {
          role: "user",
          content: [
            { type: "text", text: "What is in this picture, and what does the file say?" },
            { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } },
          ],
        },
        {
          role: "assistant",
          content: null,
          tool_calls: [{
            id: "c1",
            type: "function",
            function: { name: "read_file", arguments: '{"path":"a.ts"}' },
          }],
        },
        {
          role: "tool",
          tool_call_id: "c1",
          content: "export const a = 1; // the whole file ".repeat(5),
        },
      ],
      tools: TOOLS,
    }),
  ],
  [
    "responses",
    JSON.stringify({
      model: "gpt-5",
      instructions: SYSTEM,
      input: [
        {
          role: "user",
          content: [
            { type: "input_text", text: "Describe this image in one careful paragraph, please." },
            { type: "input_image", image_url: `data:image/png;base64,${PNG}` },
          ],
        },
        { type: "function_call", call_id: "f1", name: "read_file", arguments: '{"path":"b.ts"}' },
        {
          type: "function_call_output",
          call_id: "f1",
          output: "export const b = 2; // file b ".repeat(5),
        },
      ],
      tools: [{ type: "function", name: "read_file", parameters: { type: "object" } }],
    }),
  ],
  [
    "messages",
    JSON.stringify(
      {
        model: "claude-sonnet-4-6",
        max_tokens: 1024,
        system: [{ type: "text", text: SYSTEM, cache_control: { type: "ephemeral" } }],
        messages: [
          {
            role: "user",
            content: [
              { type: "image", source: { type: "base64", media_type: "image/png", data: PNG } },
              { type: "text", text: "What does this screenshot show? Answer in detail." },
            ],
          },
          {
            role: "assistant",
            content: [{ type: "tool_use", id: "t1", name: "read_file", input: { path: "c.ts" } }],
          },
          {
            role: "user",
            content: [{
              type: "tool_result",
              tool_use_id: "t1",
              content: "export const c = 3; // c ".repeat(5),
            }],
          },
        ],
        tools: [{
          name: "read_file",
          description: "Reads a file.",
          input_schema: { type: "object" },
        }],
      },
    ),
  ],
];

function analysed(api: Api, text: string, fields: { session?: string } = {}): StoredCall {
  const analysis = analyzeCall(capturedCall(api, text), { counters: newCounters() });
  assert(analysis.blocks !== null, `the ${api} request was split into blocks`);
  assertEquals(
    joinBlocks(analysis.blocks.refs, new Map(analysis.blocks.blocks.map((b) => [b.hash, b.text]))),
    elideBase64(text),
  );
  const record = fields.session
    ? {
      ...analysis.record,
      session: {
        id: fields.session,
        turn: 1,
        source: "new" as const,
        parent_id: null,
        retry_of: null,
        fork: false,
      },
    }
    : analysis.record;
  return { record, request: analysis.request, blocks: analysis.blocks };
}

blockTest(
  "gives back every API's request byte for byte from its blocks, images elided",
  async (store) => {
    for (const [api, text] of REQUESTS) {
      const call = analysed(api, text);
      await store.writeBatch([call]);
      const stored = await store.getCall(call.record.id);
      assertEquals(stored?.request, elideBase64(text), `${api} request`);
      assert(!stored!.request!.includes(PNG), `${api}: the image is elided`);
      const kinds = (await store.callBlocks([call.record.id]))[call.record.id].map((b) => b.kind);
      assert(kinds.includes("system prompt"), `${api}: the system prompt is a block`);
      assert(kinds.includes("tool schemas"), `${api}: each tool schema is a block`);
      assert(kinds.includes("tool results"), `${api}: each tool result is a block`);
    }
  },
);

blockTest(
  "stores a block once however many calls of different runs repeat it",
  async (store, url) => {
    const request = (question: string) =>
      JSON.stringify({
        model: "gpt-4o",
        messages: [{ role: "system", content: SYSTEM }, { role: "user", content: question }],
        tools: TOOLS,
      });
    const a = analysed(
      "chat.completions",
      request("First question of run A, long enough to be a block."),
      { session: "run-a" },
    );
    const b = analysed(
      "chat.completions",
      request("First question of run B, long enough to be a block."),
      { session: "run-b" },
    );
    await store.writeBatch([a]);
    await store.writeBatch([b]);
    const blocks = await store.callBlocks([a.record.id, b.record.id]);
    const shared = blocks[a.record.id].filter((x) =>
      blocks[b.record.id].some((y) => y.hash === x.hash)
    );
    assertEquals(shared.map((s) => s.kind).sort(), ["system prompt", "tool schemas"]);
    const [{ n }] = await query(url, "SELECT count(*) AS n FROM blocks");
    assertEquals(Number(n), 4, "system prompt and tool once, each question once");
    assertEquals(
      (await store.getCall(b.record.id))?.request,
      request("First question of run B, long enough to be a block."),
    );
  },
);

blockTest(
  "pruning deletes the calls before the cut and only the blocks no call still uses",
  async (store, url) => {
    const request = (question: string) =>
      JSON.stringify({
        model: "gpt-4o",
        messages: [{ role: "system", content: SYSTEM }, { role: "user", content: question }],
      });
    const at = (iso: string, call: StoredCall): StoredCall => ({
      ...call,
      record: { ...call.record, created_at: iso },
    });
    const old = at(
      "2026-10-01T00:00:00.000Z",
      analysed("chat.completions", request("An old question nobody asks again, long enough."), {
        session: "run-old",
      }),
    );
    const kept = at(
      "2026-11-20T00:00:00.000Z",
      analysed("chat.completions", request("A recent question, asked last week, long enough."), {
        session: "run-new",
      }),
    );
    await store.writeBatch([old, kept]);
    const dry = await store.prune({ before: "2026-11-01T00:00:00.000Z", dryRun: true });
    assertEquals([dry.calls, dry.blocks], [1, 1]);
    assertEquals((await store.stats()).calls, 2, "a dry run deletes nothing");
    const freed = await store.prune({ before: "2026-11-01T00:00:00.000Z" });
    assertEquals(
      [freed.calls, freed.blocks],
      [1, 1],
      "the old call and its question; the shared system prompt stays",
    );
    assert(freed.bytes > 0);
    assertEquals(await store.getCall(old.record.id), null);
    assertEquals(
      (await store.getCall(kept.record.id))?.request,
      request("A recent question, asked last week, long enough."),
    );
    assertEquals((await store.listRuns()).map((r) => r.id), ["run-new"]);
    const [{ n }] = await query(url, "SELECT count(*) AS n FROM blocks");
    assertEquals(Number(n), 2);
    const stats = await store.stats();
    assertEquals(stats.calls, 1);
    assert(stats.bytes > 0);
  },
);

blockTest("keeps a long response text once, and gives it back", async (store) => {
  const text = "The answer is long and detailed. ".repeat(10);
  const response = {
    id: "r1",
    choices: [{ message: { role: "assistant", content: text }, finish_reason: "stop" }],
    usage: { prompt_tokens: 10, completion_tokens: 50 },
  };
  const analysis = analyzeCall(capturedCall("chat.completions", REQUESTS[0][1], response), {
    counters: newCounters(),
  });
  await store.writeBatch([{ record: analysis.record, request: null, blocks: analysis.blocks }]);
  const stored = await store.getCall(analysis.record.id);
  assertEquals(stored?.record.response?.text, text);
  assertEquals(stored?.record, analysis.record);
});

blockTest(
  "gives back a pretty-printed request byte for byte, whitespace included",
  async (store) => {
    const text = JSON.stringify(
      {
        model: "gpt-4o",
        messages: [
          { role: "system", content: SYSTEM },
          {
            role: "user",
            content: 'Hi \u00e9 "quoted" \\ there, a message long enough to be a block.',
          },
        ],
        tools: TOOLS,
      },
      null,
      2,
    ).replace('"messages"', '"messages" ') + "\n";
    const call = analysed("chat.completions", text);
    await store.writeBatch([call]);
    assertEquals((await store.getCall(call.record.id))?.request, text);
  },
);
