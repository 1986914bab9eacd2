import type { Config } from "./config.ts";
import { redactDbUrl } from "../core/redact.ts";
import { PortInUseError, startLlmprof, UpstreamLoopError } from "../server.ts";
import { StoreError } from "../store/mod.ts";
import { PricingError } from "../pricing/overrides.ts";
import { VERSION } from "../core/version.ts";
import { LOCAL_PREFIX } from "../core/paths.ts";
import { redactUrl } from "../core/redact.ts";

const PRIVACY_SHOWN = {
  full: "full (prompts and responses stored as sent)",
  redact: "redact (secrets in prompts and responses replaced before storing)",
  metadata: "metadata (no prompt or response text stored)",
};

/**
 * The start-up banner: the exact base URLs to paste into clients, at every address llmprof
 * listens on (`addresses`, the first being `url`), and the mode it runs in.
 */
export function banner(config: Config, url: string, addresses: readonly string[] = [url]): string {
  const shown = (upstream: URL | undefined) =>
    upstream === undefined ? "" : redactUrl(upstream).replace(/\/$/, "");
  const others = addresses.filter((a) => a !== url);
  return [
    `llmprof ${VERSION} is profiling on ${url}`,
    ...(others.length > 0 ? [`  also reachable at ${others.join(", ")}`] : []),
    ``,
    `  OpenAI     base_url  ${url}/v1   → ${shown(config.upstream)}`,
    `  Anthropic  base_url  ${url}      → ${shown(config.anthropicUpstream)}`,
    `  Gemini     base_url  ${url}      → ${shown(config.geminiUpstream)}`,
    `  Vertex AI  base_url  ${url}      → ${shown(config.vertexUpstream)}`,
    `  Azure      endpoint  ${url}      → ${shown(config.azureUpstream ?? config.upstream)}`,
    `  Dashboard            ${url}${LOCAL_PREFIX}/`,
    `  Store                ${redactDbUrl(config.db)}`,
    `  Access               ${
      config.token === null
        ? "this machine only (loopback), no token"
        : "shared: pages and API need the token (browser sign-in at /_llmprof/login)"
    }`,
    `  Privacy              ${PRIVACY_SHOWN[config.privacy]}`,
    ``,
    `  Keep your API key as it is; llmprof passes it through and never stores it.`,
  ].join("\n");
}

/** `llmprof up`: runs until SIGINT or SIGTERM. Returns the exit status: 1 when calls were lost. */
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
  console.log(banner(config, llmprof.url, llmprof.addresses));

  const stopped = Promise.withResolvers<void>();
  const stop = () => stopped.resolve();
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const signal of signals) Deno.addSignalListener(signal, stop);
  await stopped.promise;
  for (const signal of signals) Deno.removeSignalListener(signal, stop);
  console.log("llmprof: stopping; finishing calls in flight…");
  const lost = await llmprof.shutdown();
  if (lost > 0) {
    console.error(
      `llmprof: stopped with ${lost} calls lost: they could not be written to ${
        redactDbUrl(config.db)
      }.`,
    );
    return 1;
  }
  return 0;
}
