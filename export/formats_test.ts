import { Profile } from "pprof-format";
import { assert, assertEquals } from "../testing/assert.ts";
import { sampleRecord } from "../testing/records.ts";
import { callFrames, runFrames } from "./frames.ts";
import { MICRO_USD, toPprof } from "./pprof.ts";
import { COLUMNS, toCsv, toJsonl } from "./rows.ts";
import { toSpeedscope } from "./speedscope.ts";

function toolRecord() {
  const record = sampleRecord({ input: 1000, output: 50 });
  record.attribution!.components = [
    { name: "system prompt", tokens: 300, cost_usd: 0.0003 },
    { name: "tool results", tokens: 700, cost_usd: 0.0014 },
  ];
  record.attribution!.tree = {
    name: "context",
    tokens: 1000,
    children: [
      { name: "system prompt", tokens: 300, children: [] },
      {
        name: "tool results",
        tokens: 700,
        children: [
          { name: "read_file", tokens: 500, children: [] },
          { name: "grep", tokens: 150, children: [] },
        ],
      },
    ],
  };
  record.cost = {
    input_usd: 0.0017,
    output_usd: 0.0005,
    total_usd: 0.0022,
    priced: true,
    price_source: "test",
  };
  return record;
}

Deno.test("a call's frames hold every prompt and output token once, with the component's cost shared by tokens", () => {
  const frames = callFrames(toolRecord());
  assertEquals(frames.map((f) => [f.stack.join(" > "), f.tokens]), [
    ["context > system prompt", 300],
    ["context > tool results > tool results: read_file", 500],
    ["context > tool results > tool results: grep", 150],
    ["context > tool results", 50],
    ["output", 50],
  ]);
  assertEquals(Math.round(frames[1].usd * MICRO_USD), 1000);
  assertEquals(Math.round(frames.reduce((s, f) => s + f.usd, 0) * MICRO_USD), 2200);
});

Deno.test("a run's frames start at a turn frame", () => {
  const one = toolRecord(), two = toolRecord();
  two.session = {
    id: "r",
    turn: 2,
    source: "chain",
    parent_id: one.id,
    retry_of: null,
    fork: false,
  };
  assertEquals(
    new Set(runFrames([one, two]).map((f) => f.stack[0])),
    new Set(["turn 1", "turn 2"]),
  );
});

Deno.test("pprof export decodes with tokens and micro-dollar cost per location path", async () => {
  const gz = await toPprof(callFrames(toolRecord()));
  assertEquals([gz[0], gz[1]], [0x1f, 0x8b], "gzipped");
  const raw = new Uint8Array(
    await new Response(
      new Blob([gz as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
        new DecompressionStream("gzip"),
      ),
    )
      .arrayBuffer(),
  );
  const profile = Profile.decode(raw);
  const str = (i: unknown) => profile.stringTable.strings[Number(i)];
  assertEquals(profile.sampleType.map((t) => `${str(t.type)}/${str(t.unit)}`), [
    "tokens/count",
    "cost/usd",
  ]);
  assertEquals(profile.sample.map((s) => s.value.map(Number)), [
    [300, 300],
    [500, 1000],
    [150, 300],
    [50, 100],
    [50, 500],
  ]);
  // context, system prompt, tool results, its two tools, output: one location per frame path.
  assertEquals(profile.location.length, 6);
  const leaf = profile.sample[1].locationId.map((id) => {
    const loc = profile.location.find((l) => Number(l.id) === Number(id))!;
    return str(profile.function.find((f) => f.id === loc.line[0].functionId)!.name);
  });
  assertEquals(leaf, ["tool results: read_file", "tool results", "context"]);
});

Deno.test("speedscope export has one sampled profile per call weighted in tokens", () => {
  const file = toSpeedscope([toolRecord(), toolRecord()], { name: "x", exporter: "llmprof" });
  assertEquals(file.profiles.length, 2);
  assertEquals(file.profiles[0].weights, [300, 500, 150, 50, 50]);
  assertEquals(file.profiles[0].endValue, 1050);
  assertEquals(
    file.shared.frames[file.profiles[0].samples[1].at(-1)!].name,
    "tool results: read_file",
  );
});

Deno.test("jsonl and csv rows keep a stable column order and quote what CSV needs", () => {
  const record = toolRecord();
  record.error = 'upstream said "no", then closed';
  const line = JSON.parse(toJsonl([record]).trim());
  assertEquals(Object.keys(line), [...COLUMNS]);
  assertEquals(line.tokens_tool_results, 700);
  assertEquals(line.tokens_user_input, null);
  const [header, row] = toCsv([record]).split("\r\n");
  assertEquals(header, COLUMNS.join(","));
  assert(row.endsWith(`,"upstream said ""no"", then closed"`), row);
  assertEquals(row.split(",")[COLUMNS.indexOf("tokens_user_input")], "");
});
