import type { Config } from "./config.ts";
import { redactDbUrl } from "../core/redact.ts";
import { PortInUseError, startLlmprof, UpstreamLoopError } from "../server.ts";
import { StoreError } from "../store/mod.ts";
import { PricingError } from "../pricing/overrides.ts";
import { VERSION } from "../core/version.ts";
import { LOCAL_PREFIX } from "../core/paths.ts";

/** The start-up banner: the exact base URLs to paste into clients. */
export function banner(config: Config, url: string): string {
  return [
    `llmprof ${VERSION} is profiling on ${url}`,
    ``,
    `  OpenAI     base_url  ${url}/v1   → ${config.upstream.href.replace(/\/$/, "")}`,
    `  Anthropic  base_url  ${url}      → ${config.anthropicUpstream.href.replace(/\/$/, "")}`,
    `  Gemini     base_url  ${url}      → ${shown(config.geminiUpstream)}`,
    `  Vertex AI  base_url  ${url}      → ${shown(config.vertexUpstream)}`,
    `  Azure      endpoint  ${url}      → ${shown(config.azureUpstream ?? config.upstream)}`,
    `  Dashboard            ${url}${LOCAL_PREFIX}/`,
    `  Store                ${redactDbUrl(config.db)}`,
    ``,
    `  Keep your API key as it is; llmprof passes it through and never stores it.`,
  ].join("\n");
}

function shown(url: URL | undefined): string {
  return url === undefined ? "" : url.href.replace(/\/$/, "");
}

/** `llmprof up`: runs until SIGINT or SIGTERM. Returns the exit status. */
export async function up(config: Config): Promise<number> {
  let llmprof;
  try {
    llmprof = await startLlmprof(config);
  } catch (error) {
    if (
      error instanceof PortInUseError || error instanceof UpstreamLoopError ||
      error instanceof StoreError || error instanceof PricingError
    ) {
      console.error(error.message);
      return 2;
    }
    console.error(
      `Cannot start llmprof on ${config.host}:${config.port}: ${(error as Error).message}.`,
    );
    return 2;
  }
  console.log(banner(config, llmprof.url));

  const stopped = Promise.withResolvers<void>();
  const stop = () => stopped.resolve();
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const signal of signals) Deno.addSignalListener(signal, stop);
  await stopped.promise;
  for (const signal of signals) Deno.removeSignalListener(signal, stop);
  console.log("llmprof: stopping; finishing calls in flight…");
  await llmprof.shutdown();
  return 0;
}
