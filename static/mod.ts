/**
 * The dashboard's static assets, embedded at build time so a compiled binary reads
 * nothing from the working directory. `deno task build` writes build/islands.js.
 * @module
 */
import css from "./style.css" with { type: "text" };
import islands from "./build/islands.js" with { type: "text" };

/** Served under /_llmprof/static/. */
export const ASSETS: Record<string, { body: string; type: string }> = {
  "style.css": { body: css, type: "text/css; charset=utf-8" },
  "islands.js": { body: islands, type: "text/javascript; charset=utf-8" },
};
