import { maskVolatile } from "./chain_keys.ts";
import { hash64 } from "../core/hash.ts";
import type { Segment } from "../formats/segment.ts";

/** Characters of the system prompt that identify a route. */
const ROUTE_PREFIX = 200;

/** How a route's label names each API. */
const API_NAMES: Record<string, string> = {
  "chat.completions": "chat completions",
  responses: "responses",
  messages: "messages",
};

/**
 * A model's family: its name without a provider prefix or a dated snapshot, so
 * `gpt-4o-2024-08-06` and `gpt-4o` share one and `gpt-4o-mini` has its own.
 */
export function modelFamily(model: string | null): string {
  if (!model) return "unknown model";
  return model.replace(/^[\w.-]+[/:]/, "")
    .replace(/[-@](\d{4}-\d{2}-\d{2}|\d{8})$/, "")
    .replace(/-latest$/, "") || model;
}

/**
 * A call's route: its reusable shape, the API and model family it went to, the start of its
 * system prompt (words with digits masked) and its set of tools. Calls of one route share a
 * prompt prefix on one model family, so they are what caching and the leaderboard group by;
 * the label names all four, so routes that differ only in API or model read apart.
 */
export function routeOf(
  segments: readonly Segment[],
  call: { api: string; model: string | null },
): { id: string; label: string } {
  const system = segments.filter((s) => s.component === "system prompt" && s.text).map((s) =>
    s.text
  ).join("\n");
  const tools = [
    ...new Set(segments.filter((s) => s.component === "tool schemas").map((s) => s.label ?? "")),
  ].sort();
  // A timestamp or id near the top of the system prompt must not make every call a new route.
  const start = maskVolatile(system.slice(0, ROUTE_PREFIX));
  const family = modelFamily(call.model);
  const id = hash64(`${call.api}\u0000${family}\u0000${start}\u0000${tools.join("\u0000")}`);
  const words = start.replace(/\s+/g, " ").trim();
  const head = words.length > 60 ? `${words.slice(0, 60)}…` : words || "(no system prompt)";
  const parts = [API_NAMES[call.api] ?? call.api, family, head];
  if (tools.length > 0) parts.push(`${tools.length} tool${tools.length === 1 ? "" : "s"}`);
  return { id, label: parts.join(" · ") };
}
