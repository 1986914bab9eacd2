/**
 * llmprof: pprof for LLM context.
 * @module
 */
import { runCli } from "./cli/mod.ts";

if (import.meta.main) {
  Deno.exit(await runCli(Deno.args));
}
