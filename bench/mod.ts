/**
 * `deno task bench`: runs every benchmark side by side and writes bench/RESULTS.md.
 * `deno task bench overhead` runs one.
 * @module
 */
import { runAnalysis } from "./analysis.ts";
import { runOverhead } from "./overhead.ts";
import { runStore } from "./store.ts";

const BENCHES: Record<string, () => Promise<string>> = {
  overhead: () => runOverhead(),
  analysis: () => runAnalysis(),
  store: () => runStore(),
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
const header = `# Benchmark results\n\nLatest run: ${
  new Date().toISOString().slice(0, 16).replace("T", " ")
} UTC on ${await machine()}.\nRun with \`deno task bench\`.\n`;
await Deno.writeTextFile(path, [header, ...sections].join("\n") + "\n");
console.error(`bench: wrote ${path.pathname}`);
