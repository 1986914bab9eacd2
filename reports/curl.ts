/**
 * A stored request as a curl command that replays it through llmprof: the body as
 * stored (secrets already redacted), and the key as an environment variable, never a value.
 * @module
 */
import type { Provider } from "../core/call.ts";

/** The headers that carry the key, per provider, each naming a variable the shell fills in. */
const AUTH: Record<Provider, string[]> = {
  openai: ["Authorization: Bearer $OPENAI_API_KEY"],
  anthropic: ["x-api-key: $ANTHROPIC_API_KEY", "anthropic-version: 2023-06-01"],
  google: ["x-goog-api-key: $GEMINI_API_KEY"],
  azure: ["api-key: $AZURE_OPENAI_API_KEY"],
  unknown: ["Authorization: Bearer $API_KEY"],
};

/** The variable a provider's key is read from in {@linkcode curlCommand}'s output. */
export function keyVariable(provider: Provider): string {
  return /\$([A-Z_]+)/.exec(AUTH[provider][0])![1];
}

/** A string as one single-quoted shell word. */
function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The request body as a JSON document to download: the stored text, pretty-printed when it parses. */
export function requestJson(request: string): string {
  try {
    return JSON.stringify(JSON.parse(request), null, 2);
  } catch {
    return request;
  }
}

/**
 * A curl command that sends the stored request again to `origin` + `path`: the body
 * in a quoted here-document (nothing in it is expanded) and the provider's key header
 * as `$OPENAI_API_KEY`, `$ANTHROPIC_API_KEY`… for the shell to fill in.
 */
export function curlCommand(
  call: { provider: Provider; path: string; request: string },
  options: { origin: string },
): string {
  const body = requestJson(call.request);
  let end = "LLMPROF_BODY";
  while (body.split("\n").includes(end)) end += "_";
  const headers = ["content-type: application/json", ...AUTH[call.provider]];
  return [
    `curl ${quote(options.origin + call.path.split("?")[0])} \\`,
    ...headers.map((h) => `  -H "${h}" \\`),
    `  --data-binary @- <<'${end}'`,
    body,
    end,
  ].join("\n");
}
