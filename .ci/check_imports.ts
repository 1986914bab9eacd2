/**
 * Fails when an import runs up a layer (per `.ci/layers`) or files import each other in a
 * circle. Reads static `import`/`export … from` statements of every .ts and .tsx file
 * outside tests, testing/, bench/ and node_modules.
 * Usage: deno run --allow-read .ci/check_imports.ts
 */
import { dirname, join, normalize, relative } from "node:path";

const root = normalize(join(dirname(new URL(import.meta.url).pathname), ".."));
const layers = Deno.readTextFileSync(join(root, ".ci/layers")).split("\n")
  .map((line) => line.trim()).filter((line) => line !== "" && !line.startsWith("#"));

/** The rank of a file's layer (0 is the top), or null for files outside every layer. */
function rankOf(file: string): number | null {
  const index = layers.findIndex((layer) =>
    layer.endsWith("/") ? file.startsWith(layer) : file === layer
  );
  return index === -1 ? null : index;
}

function isChecked(file: string): boolean {
  return /\.(ts|tsx)$/.test(file) && !/_test\.tsx?$/.test(file) &&
    !/^(tests|testing|bench|node_modules|static\/build|\.ci)\//.test(file);
}

function walk(dir: string, out: string[]): string[] {
  for (const entry of Deno.readDirSync(join(root, dir))) {
    const path = dir === "" ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory && !entry.name.startsWith(".") && entry.name !== "node_modules") {
      walk(path, out);
    } else if (entry.isFile && isChecked(path)) out.push(path);
  }
  return out;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?\sfrom\s*["'](\.\.?\/[^"']+)["']/g;
const files = walk("", []);
const graph = new Map<string, string[]>();
const problems: string[] = [];
for (const file of files) {
  const text = Deno.readTextFileSync(join(root, file));
  const targets: string[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const target = relative(root, normalize(join(root, dirname(file), match[1])));
    if (!isChecked(target)) continue;
    targets.push(target);
    const [from, to] = [rankOf(file), rankOf(target)];
    if (from === null) problems.push(`${file} is in no layer: add its folder to .ci/layers`);
    else if (to !== null && to < from) {
      problems.push(
        `${file} (${layers[from]}) imports ${target} (${layers[to]}), a layer above it`,
      );
    }
  }
  graph.set(file, targets);
}

// Cycles: depth-first search with three colours.
const state = new Map<string, "open" | "done">();
const stack: string[] = [];
function visit(file: string): void {
  state.set(file, "open");
  stack.push(file);
  for (const next of graph.get(file) ?? []) {
    if (state.get(next) === "open") {
      problems.push(`import cycle: ${[...stack.slice(stack.indexOf(next)), next].join(" -> ")}`);
    } else if (!state.has(next)) visit(next);
  }
  stack.pop();
  state.set(file, "done");
}
for (const file of files) if (!state.has(file)) visit(file);

for (const problem of [...new Set(problems)]) console.error(problem);
if (problems.length > 0) {
  console.error(
    `${new Set(problems).size} import problems: move the code down a layer or the type below both.`,
  );
  Deno.exit(1);
}
console.log(`imports: ${files.length} files, no cycles, no import runs up a layer`);
