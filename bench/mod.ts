/**
 * `deno task bench`: runs every benchmark side by side and writes bench/RESULTS.md.
 * `deno task bench overhead` runs one and keeps the others' last results.
 * @module
 */
import { runAgentTraffic } from "./agents.ts";
import { runAnalysis } from "./analysis.ts";
import { runBlocks } from "./blocks.ts";
import { runOverhead } from "./overhead.ts";
import { runPages } from "./pages.ts";
import { runRedaction } from "./redaction.ts";
import { runSessions } from "./sessions.ts";
import { runStartup } from "./startup.ts";
import { runStore } from "./store.ts";

const BENCHES: Record<string, () => Promise<string>> = {
  overhead: () => runOverhead(),
  agents: () => runAgentTraffic(),
  analysis: () => runAnalysis(),
  store: () => runStore(),
  sessions: () => runSessions(),
  pages: () => runPages(),
  startup: () => runStartup(),
  redaction: () => runRedaction(),
  blocks: () => runBlocks(),
};

async function machine(): Promise<string> {
  const cpu =
    /model name\s*:\s*(.+)/.exec(await Deno.readTextFile("/proc/cpuinfo").catch(() => ""))?.[1] ??
      "unknown CPU";
  const memGiB = (Deno.systemMemoryInfo().total / 2 ** 30).toFixed(0);
  return `${cpu}, ${navigator.hardwareConcurrency} cores, ${memGiB} GiB; Deno ${Deno.version.deno}, ${Deno.build.os} ${Deno.build.arch}`;
}

const chosen = Deno.args.length > 0 ? Deno.args : Object.keys(BENCHES);
const sections: string[] = [];
for (const name of chosen) {
  const bench = BENCHES[name];
  if (!bench) {
    console.error(`Unknown benchmark "${name}": choose from ${Object.keys(BENCHES).join(", ")}.`);
    Deno.exit(2);
  }
  console.error(`bench: running ${name}…`);
  const section = await bench();
  console.log(section + "\n");
  sections.push(section);
}
const path = new URL("./RESULTS.md", import.meta.url);
const stamp = `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`;
const where = await machine();
// A partial run replaces its own sections and keeps the others' last results, each dated.
const previous = await Deno.readTextFile(path).catch(() => "");
const order = Object.keys(BENCHES);
const nameOf = (section: string) => order.find((n) => section.includes(`(bench/${n}.ts)`)) ?? "";
const kept = previous.split(/\n(?=## )/).slice(1).map((s) => s.trim()).filter((s) =>
  !chosen.includes(nameOf(s))
);
const fresh = sections.map((section) => section.replace("\n", `\n\nRun ${stamp} on ${where}.\n`));
const all = [...kept, ...fresh].sort((a, b) => order.indexOf(nameOf(a)) - order.indexOf(nameOf(b)));
const header =
  `# Benchmark results\n\nRun all with \`deno task bench\`, one with \`deno task bench <${
    order.join("|")
  }>\`; each section says when and where it last ran.`;
await Deno.writeTextFile(path, [header, ...all].join("\n\n") + "\n");
console.error(`bench: wrote ${path.pathname}`);
