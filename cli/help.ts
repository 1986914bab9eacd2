import { SETTINGS } from "./config.ts";
import { VERSION } from "../core/version.ts";

/** The text of `llmprof --help`. */
export function helpText(): string {
  const width = Math.max(...SETTINGS.map((s) => s.flag.length)) + 10;
  const rows = SETTINGS.map((s) =>
    `  --${(s.flag + " <value>").padEnd(width)} ${s.help} [env ${s.env}, default ${s.default}]`
  );
  return [
    `llmprof ${VERSION}: pprof for LLM context. A local proxy that shows where every prompt token and dollar goes.`,
    ``,
    `Usage:`,
    `  llmprof [up] [options]   start the proxy and dashboard (the default)`,
    `  llmprof run [--quiet] [options] [--] CMD ARGS…   run a command (a coding agent) through llmprof;`,
    `                           a summary when it exits`,
    `  llmprof claude|codex|gemini ARGS…   the same for an agent: llmprof run -- claude ARGS…`,
    `  llmprof top [--run ID | --launch ID | --last] [--json]   the summary of a stored run`,
    `  llmprof traces [--limit N] [--json] [--url URL]   recent calls from the store, or a running llmprof (token from LLMPROF_TOKEN)`,
    `  llmprof export --format pprof|speedscope|jsonl|csv (--call ID | --run ID | --since T [--until T]) [-o FILE]`,
    `                           calls in another tool's format (docs/export.md)`,
    `  llmprof reset [--yes]    delete every stored call, after a confirmation`,
    `  llmprof prune --older-than 30d [--yes]  delete older calls and the blocks only they used`,
    `  llmprof prices <model>   show the prices llmprof uses for a model, and where they come from`,
    `  llmprof --help           show this help`,
    `  llmprof --version        show the version`,
    ``,
    `Options for up:`,
    ...rows,
    ``,
    `Point your client's base URL at llmprof and keep your API key:`,
    `  OpenAI     base_url = http://127.0.0.1:4000/v1`,
    `  Anthropic  base_url = http://127.0.0.1:4000`,
  ].join("\n");
}
