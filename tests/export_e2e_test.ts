import { Ajv } from "ajv";
import schema from "../node_modules/speedscope/dist/release/file-format-schema.json" with {
  type: "json",
};
import type { CallRecord } from "../core/record.ts";
import { COLUMNS } from "../export/mod.ts";
import { within, withRig } from "./_harness.ts";
import { agentRun } from "../testing/agent_run.ts";
import { assert, assertEquals } from "../testing/assert.ts";
import { startOtlpReceiver } from "./otlp_receiver.ts";

/** Tool frames (`component: tool`) and their tokens, as `go tool pprof -top` lists them. */
async function pprofTop(file: string, index: "tokens" | "cost"): Promise<Map<string, number>> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command("go", {
      args: [
        "tool",
        "pprof",
        "-top",
        `-sample_index=${index}`,
        "-nodecount=1000",
        "-nodefraction=0",
        file,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    throw new Error(
      `Cannot run go tool pprof (${(error as Error).message}): install golang-go, as .ci/run does.`,
    );
  }
  const text = new TextDecoder().decode(output.stdout);
  assert(output.success, new TextDecoder().decode(output.stderr));
  const flat = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^\s*(\d+)(?:usd)?\s+[\d.]+%\s+[\d.]+%\s+(\d+)(?:usd)?\s+[\d.]+%\s+(.+)$/.exec(line);
    if (m) flat.set(m[3].trim(), Number(m[1]));
  }
  return flat;
}

/** The same from the API's records: each call's tree, summed over the calls. */
function apiTools(records: readonly CallRecord[]): Map<string, number> {
  const tools = new Map<string, number>();
  for (const r of records) {
    for (const component of r.attribution!.tree.children) {
      for (const tool of component.children) {
        const name = `${component.name}: ${tool.name}`;
        tools.set(name, (tools.get(name) ?? 0) + tool.tokens);
      }
    }
  }
  return tools;
}

function toolsOnly(map: Map<string, number>): Map<string, number> {
  return new Map([...map].filter(([name, tokens]) => name.includes(": ") && tokens > 0).sort());
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "main.ts", "export", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const d = new TextDecoder();
  return { code: out.code, stdout: d.decode(out.stdout), stderr: d.decode(out.stderr) };
}

Deno.test("a run exports to pprof, speedscope, jsonl and csv that real readers accept, and to OTLP spans", async () => {
  const dir = await Deno.makeTempDir({ prefix: "llmprof-export-" });
  const db = `sqlite:${dir}/llmprof.db`;
  const receiver = startOtlpReceiver();
  try {
    await withRig(
      async ({ llmprof, nextRecord }) => {
        const requests = agentRun(3, { tools: 6, resultChars: 800 });
        for (const body of requests) {
          const response = await fetch(`${llmprof.url}/v1/chat/completions`, {
            method: "POST",
            headers: { "content-type": "application/json", authorization: "Bearer sk-test-secret" },
            body: JSON.stringify(body),
          });
          await response.body?.cancel();
          await nextRecord();
        }
        await llmprof.writer.flush();
        const runId =
          (await (await fetch(`${llmprof.url}/_llmprof/api/sessions`)).json()).sessions[0].id;
        const turns =
          (await (await fetch(`${llmprof.url}/_llmprof/api/sessions/${runId}`)).json()).turns;
        assertEquals(turns.length, 3, "the three calls chain into one run");
        const records: CallRecord[] = await Promise.all(
          turns.map(async (t: { call_id: string }) =>
            await (await fetch(`${llmprof.url}/_llmprof/api/calls/${t.call_id}`)).json()
          ),
        );

        // pprof, downloaded from the run page's link, read by go tool pprof.
        const runPage = await (await fetch(`${llmprof.url}/_llmprof/runs?id=${runId}`)).text();
        const href = /href="([^"]*format=pprof[^"]*)"/.exec(runPage)?.[1].replaceAll("&amp;", "&");
        assert(href, "the run page links a pprof download");
        const download = await fetch(`${llmprof.url}${href}`);
        assertEquals(download.status, 200);
        assert(download.headers.get("content-disposition")?.includes(".pb.gz"));
        const pprofFile = `${dir}/run.pb.gz`;
        await Deno.writeFile(pprofFile, new Uint8Array(await download.arrayBuffer()));
        const top = await pprofTop(pprofFile, "tokens");
        const expected = toolsOnly(apiTools(records));
        assert(expected.size >= 6, `the run has tool frames: ${[...expected.keys()]}`);
        assertEquals(toolsOnly(top), expected);
        const promptTokens = records.reduce((s, r) => s + r.attribution!.tree.tokens, 0);
        const outputTokens = records.reduce((s, r) => s + r.usage!.output_tokens, 0);
        const flatTotal = [...top.values()].reduce((a, b) => a + b, 0);
        assertEquals(flatTotal, promptTokens + outputTokens, "every token is in one frame");
        const cost = await pprofTop(pprofFile, "cost");
        const microUsd = [...cost.values()].reduce((a, b) => a + b, 0);
        const totalUsd = records.reduce((s, r) => s + (r.cost!.total_usd ?? 0), 0);
        assert(totalUsd > 0, "the calls are priced");
        assert(Math.abs(microUsd - totalUsd * 1e6) <= 50, `${microUsd} µ$ vs ${totalUsd} $`);

        // The call page links every format.
        const callPage = await (await fetch(`${llmprof.url}/_llmprof/calls/${records[0].id}`))
          .text();
        for (const format of ["pprof", "speedscope", "jsonl", "csv"]) {
          assert(callPage.includes(`format=${format}&amp;call=${records[0].id}`), format);
        }
        assertEquals(
          (await fetch(`${llmprof.url}/_llmprof/api/export?format=svg&call=x`)).status,
          400,
        );
        assertEquals(
          (await fetch(`${llmprof.url}/_llmprof/api/export?format=csv&call=nope`)).status,
          404,
        );

        // OTLP: one span per call, one trace for the run.
        const spans = await within(
          receiver.waitFor(3),
          20_000,
          "the collector got no 3 spans within 20 s",
        );
        assertEquals(
          spans.map((s) => s.attributes["llmprof.call.id"]).sort(),
          records.map((r) => r.id).sort(),
        );
        assertEquals(new Set(spans.map((s) => s.traceId)).size, 1);
        for (const span of spans) {
          const r = records.find((x) => x.id === span.attributes["llmprof.call.id"])!;
          assertEquals(span.attributes["gen_ai.usage.input_tokens"], r.usage!.input_tokens);
          assertEquals(span.attributes["gen_ai.usage.output_tokens"], r.usage!.output_tokens);
          assertEquals(span.attributes["gen_ai.conversation.id"], runId);
          assertEquals(span.attributes["gen_ai.request.model"], "gpt-4o");
          assertEquals(
            span.attributes["llmprof.components.tool_results.tokens"] ?? 0,
            r.attribution!.components.find((c) => c.name === "tool results")?.tokens ?? 0,
          );
          assert(!JSON.stringify(span).includes("sk-test-secret"));
        }
        // The collector has the spans a moment before the exporter has read its answer.
        const health = await within(
          (async () => {
            while (true) {
              const h = await (await fetch(`${llmprof.url}/_llmprof/health`)).json();
              if (h.otlp.pending === 0) return h;
              await new Promise((resolve) => setTimeout(resolve, 20));
            }
          })(),
          10_000,
          "the exporter did not finish sending within 10 s",
        );
        assertEquals([health.otlp.ok, health.otlp.sent, health.otlp.dropped], [true, 3, 0]);
      },
      () => ({
        analyse: true,
        db,
        otlp: { endpoint: new URL(`${receiver.url}/v1/traces`), headers: {} },
      }),
    );

    // The CLI reads the same store once llmprof has stopped.
    const speedscope = await cli(["--db", db, "--format", "speedscope", "--since", "2000-01-01"]);
    assertEquals(speedscope.code, 0, speedscope.stderr);
    const file = JSON.parse(speedscope.stdout);
    const ajv = new Ajv({ strict: false });
    const valid = ajv.validate(schema, file);
    assert(valid, ajv.errorsText());
    assertEquals(file.profiles.length, 3, "one profile per call");

    const jsonlFile = `${dir}/calls.jsonl`;
    const jsonl = await cli([
      "--db",
      db,
      "--format",
      "jsonl",
      "--since",
      "2000-01-01",
      "-o",
      jsonlFile,
    ]);
    assertEquals(jsonl.code, 0, jsonl.stderr);
    const rows = (await Deno.readTextFile(jsonlFile)).trim().split("\n").map((l) => JSON.parse(l));
    assertEquals(rows.length, 3);
    assertEquals(Object.keys(rows[0]), [...COLUMNS]);
    assertEquals(new Set(rows.map((r) => r.turn)), new Set([1, 2, 3]));

    const csv = await cli(["--db", db, "--format", "csv", "--since", "2000-01-01"]);
    assertEquals(csv.code, 0, csv.stderr);
    const lines = csv.stdout.trimEnd().split("\r\n");
    assertEquals(lines[0], COLUMNS.join(","));
    assertEquals(lines.length, 4);
    assert(!csv.stdout.includes("sk-test-secret") && !jsonl.stdout.includes("sk-test-secret"));

    const missing = await cli(["--db", db, "--format", "csv", "--call", "no-such-call"]);
    assertEquals(missing.code, 1);
    assert(missing.stderr.includes('No call "no-such-call" is stored'), missing.stderr);
    const both = await cli(["--db", db, "--format", "csv", "--call", "a", "--run", "b"]);
    assertEquals(both.code, 2);
    assert(both.stderr.includes("one of --call ID, --run ID or --since/--until"), both.stderr);
  } finally {
    await receiver.close();
    await Deno.remove(dir, { recursive: true });
  }
});
