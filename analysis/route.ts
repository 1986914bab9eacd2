import { maskVolatile } from "./chain_keys.ts";
import { hash64 } from "../core/hash.ts";
import type { Segment } from "../formats/segment.ts";

/** Characters of the system prompt that identify a route. */
const ROUTE_PREFIX = 200;

/**
 * A call's route: its reusable shape, the start of its system prompt (words with digits
 * masked) plus its set of tools. Calls of one route share a prompt prefix, so they are what caching and the
 * leaderboard group by.
 */
export function routeOf(segments: readonly Segment[], api: string): { id: string; label: string } {
  const system = segments.filter((s) => s.component === "system prompt" && s.text).map((s) =>
    s.text
  ).join("\n");
  const tools = [
    ...new Set(segments.filter((s) => s.component === "tool schemas").map((s) => s.label ?? "")),
  ].sort();
  // A timestamp or id near the top of the system prompt must not make every call a new route.
  const start = maskVolatile(system.slice(0, ROUTE_PREFIX));
  const id = hash64(`${api}\u0000${start}\u0000${tools.join("\u0000")}`);
  const words = start.replace(/\s+/g, " ").trim();
  const head = words.length > 60 ? `${words.slice(0, 60)}…` : words || "(no system prompt)";
  return {
    id,
    label: tools.length > 0
      ? `${head} · ${tools.length} tool${tools.length === 1 ? "" : "s"}`
      : head,
  };
}
