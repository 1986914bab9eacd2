/** Display helpers shared by pages, islands and the CLI: one place for how numbers read. */
import { mcpTool } from "../analysis/agent_parts.ts";

/** A colour per component, the same in every view. */
export const COMPONENT_COLORS: Record<string, string> = {
  "system prompt": "#4e79a7",
  "user input": "#59a14f",
  "history (assistant)": "#9c755f",
  "tool calls": "#f28e2b",
  "tool results": "#e15759",
  "tool schemas": "#76b7b2",
  "images & files": "#b07aa1",
  "formatting overhead": "#bab0ac",
};

/** The colour of a frame: its component's, or its parent component's for a tool. */
export function colorOf(name: string, parent?: string): string {
  return COMPONENT_COLORS[name] ?? (parent ? COMPONENT_COLORS[parent] : undefined) ?? "#8899aa";
}

/** Components whose children are tools, one frame per tool. */
const TOOL_COMPONENTS = new Set(["tool schemas", "tool calls", "tool results"]);

/** What a frame of the attribution tree is, for its label and tip: a tool (and its MCP server) or a part. */
export interface FrameLabel {
  /** The text on the frame: "create_issue · MCP github", "get_weather", "system prompt". */
  text: string;
  /** The tool's own name, for a tool's frame. */
  tool: string | null;
  /** The MCP server the tool comes from, when it is an MCP tool. */
  server: string | null;
}

/**
 * Names a frame by its path from the root: under tool schemas, tool calls or tool results
 * a child is a tool, and an `mcp__server__tool` name reads as the tool with its server.
 */
export function frameLabel(path: readonly string[]): FrameLabel {
  const name = path[path.length - 1] ?? "";
  const component = path[1];
  const mcp = mcpTool(name);
  if (mcp) return { text: `${mcp.tool} · MCP ${mcp.server}`, tool: mcp.tool, server: mcp.server };
  if (path.length === 3 && component === "tool schemas") {
    // The groups a coding agent's tools fall in (analysis/agent_parts.ts toolGroup).
    if (name === "built-in tools") return { text: name, tool: null, server: null };
    if (name.startsWith("MCP ")) return { text: name, tool: null, server: name.slice(4) };
  }
  if (path.length >= 3 && component !== undefined && TOOL_COMPONENTS.has(component)) {
    const group = path.length >= 4 ? path[2] : "";
    const server = group.startsWith("MCP ") ? group.slice(4) : null;
    return { text: server ? `${name} · MCP ${server}` : name, tool: name, server };
  }
  return { text: name, tool: null, server: null };
}

/** 1234567 → "1,234,567": every token count on every page and in the CLI. */
export function tokens(n: number | null | undefined): string {
  return n === null || n === undefined ? "—" : Math.round(n).toLocaleString("en");
}

/** A token change with its sign: "+1,017", "−40", "0". */
export function signedTokens(n: number): string {
  return (n > 0 ? "+" : n < 0 ? "−" : "") + tokens(Math.abs(n));
}

/** Below this, a cost reads as "<$0.0001": less is noise beside a call's cents. */
const USD_FLOOR = 0.0001;

/**
 * Dollars, the same everywhere: cents from $0.01 up ("$12.40", "$1,204.00"), two
 * significant digits below a cent ("$0.0042", "$0.00031"), and "<$0.0001" for anything
 * smaller, so no "$0.0000012" sits beside "$0.08".
 */
export function usd(n: number | null | undefined): string {
  if (n === null || n === undefined || Number.isNaN(n)) return "—";
  if (n === 0) return "$0";
  const sign = n < 0 ? "−" : "";
  const a = Math.abs(n);
  if (a < USD_FLOOR) return `${sign}<$${USD_FLOOR}`;
  if (a < 0.01) return `${sign}$${String(Number(a.toPrecision(2)))}`;
  return `${sign}$${
    a.toLocaleString("en", { minimumFractionDigits: 2, maximumFractionDigits: 2 })
  }`;
}

/** A cost change with its sign: "+$0.0042", "−$0.01", "$0", and "≈$0" for a change too small to show. */
export function signedUsd(n: number | null | undefined): string {
  if (n === null || n === undefined) return "—";
  if (n !== 0 && Math.abs(n) < USD_FLOOR) return "≈$0";
  return n > 0 ? `+${usd(n)}` : usd(n);
}

/** Milliseconds as "850 ms" or "2.4 s". */
export function ms(n: number | null | undefined): string {
  if (n === null || n === undefined) return "—";
  return n < 1000 ? `${Math.round(n)} ms` : `${(n / 1000).toFixed(1)} s`;
}

/** A share as "42%". */
export function percent(n: number): string {
  return `${Math.round(n * 100)}%`;
}

/** An ISO time as local "11-27 10:04:05". */
export function time(iso: string): string {
  const d = new Date(iso);
  const pad = (x: number) => String(x).padStart(2, "0");
  return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${
    pad(d.getMinutes())
  }:${pad(d.getSeconds())}`;
}

/** What {@linkcode projectionText} and {@linkcode reclaimableText} read (see pricing/projection.ts). */
interface Outlook {
  status: "projected" | "too_little_data";
  reason: string | null;
  monthly_usd: number | null;
  basis_calls: number;
}

/** The monthly projection in one sentence: the same words on the trends page and in `llmprof traces`. */
export function projectionText(
  p: Outlook & { spent_usd: number; basis_days: number },
  windowDays: number,
): string {
  return p.status === "projected"
    ? `${usd(p.monthly_usd)} a month projected, from ${
      tokens(p.basis_calls)
    } calls over ${p.basis_days} days (trailing ${windowDays} days)`
    : `${usd(p.spent_usd)} spent so far, no monthly projection: ${p.reason}`;
}

/** Reclaimable spend in one sentence, under the same rule as the projection. */
export function reclaimableText(
  r: Outlook & { so_far_usd: number; share_of_spend: number },
): string {
  const basis = `${percent(r.share_of_spend)} of spend, from the findings of ${
    tokens(r.basis_calls)
  } calls`;
  return r.status === "projected"
    ? `${usd(r.monthly_usd)} a month reclaimable (${basis})`
    : `${usd(r.so_far_usd)} reclaimable so far (${basis}); no monthly figure: ${r.reason}`;
}
