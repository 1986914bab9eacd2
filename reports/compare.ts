/**
 * Two calls, or two runs, side by side: components, tools, cost, and where their prompts
 * first differ. Pure: records in, a comparison out; the page and /api/compare show it.
 * @module
 */
import type { BlockMeta } from "../core/blocks.ts";
import type { CallRecord, TreeNode } from "../core/record.ts";
import type { ShownMessage } from "../formats/mod.ts";
import type { RunSummary, RunTurn } from "../store/contract.ts";

/** Components whose children are tools. */
const TOOL_COMPONENTS = ["tool schemas", "tool calls", "tool results"] as const;

/** A number on both sides and the change from a to b. */
export interface Pair {
  a: number | null;
  b: number | null;
  /** b − a; null when either side is unknown. */
  delta: number | null;
}

/** One component on both sides, in tokens and dollars. */
export interface ComponentPair {
  name: string;
  tokens: Pair;
  usd: Pair;
}

/** One tool on both sides: its tokens in schemas, calls and results together (0 when absent). */
export interface ToolPair {
  name: string;
  tokens: Pair;
  /** Which sides carry the tool. */
  in: "both" | "a" | "b";
}

/** Where two prompts first part: the first block and the first message that differ. */
export interface FirstDifference {
  /** Index of the first block whose hash differs, with both sides' kind and label; null when the blocks agree or are unknown. */
  block: {
    index: number;
    a: { kind: string | null; label: string | null; tokens: number } | null;
    b: { kind: string | null; label: string | null; tokens: number } | null;
  } | null;
  /** The first message that differs: its index, the character it parts at, and a stretch of each side from a little before it. */
  message: {
    index: number;
    offset: number;
    a: { role: string; text: string } | null;
    b: { role: string; text: string } | null;
  } | null;
}

/** A call as the comparison reads it. */
export interface CompareCall {
  record: CallRecord;
  messages: readonly ShownMessage[];
  blocks: readonly BlockMeta[] | null;
}

/** Two calls compared. */
export interface CallComparison {
  kind: "calls";
  a: CallSide;
  b: CallSide;
  prompt_tokens: Pair;
  cost_usd: Pair;
  components: ComponentPair[];
  tools: ToolPair[];
  first_difference: FirstDifference;
}

/** What the comparison says of each call. */
export interface CallSide {
  id: string;
  model: string | null;
  api: string;
  created_at: string;
  run: string | null;
  turn: number | null;
}

/** A run as the comparison reads it: its summary, its turns, its last turn's call and its first turn's call. */
export interface CompareRun {
  summary: RunSummary;
  turns: readonly RunTurn[];
  first: CompareCall | null;
  last: CompareCall | null;
}

/** Two runs compared. */
export interface RunComparison {
  kind: "runs";
  a: RunSide;
  b: RunSide;
  turns: Pair;
  cost_usd: Pair;
  last_prompt_tokens: Pair;
  /** Tokens sent per component over every turn of the run. */
  components: ComponentPair[];
  /** The tools of each run's last turn. */
  tools: ToolPair[];
  /** Where the two runs' first turns part. */
  first_difference: FirstDifference;
}

/** What the comparison says of each run. */
export interface RunSide {
  id: string;
  name: string | null;
  calls: number;
  first_at: string;
}

/** Characters shown before the first differing character, for context. */
const LEAD = 80;
/** Characters shown of each side of a difference. */
const SPAN = 400;

function pair(a: number | null | undefined, b: number | null | undefined): Pair {
  const x = a ?? null;
  const y = b ?? null;
  return { a: x, b: y, delta: x === null || y === null ? null : y - x };
}

/** Each tool's tokens across tool schemas, tool calls and tool results, from an attribution tree. */
export function toolTokens(tree: TreeNode | null | undefined): Map<string, number> {
  const out = new Map<string, number>();
  const leaves = (node: TreeNode): TreeNode[] =>
    node.children.length === 0 ? [node] : node.children.flatMap(leaves);
  for (const component of tree?.children ?? []) {
    if (!(TOOL_COMPONENTS as readonly string[]).includes(component.name)) continue;
    for (const kid of component.children) {
      for (const tool of leaves(kid)) out.set(tool.name, (out.get(tool.name) ?? 0) + tool.tokens);
    }
  }
  return out;
}

function toolPairs(a: Map<string, number>, b: Map<string, number>): ToolPair[] {
  const names = [...new Set([...a.keys(), ...b.keys()])];
  return names.map((name) => ({
    name,
    tokens: pair(a.get(name) ?? 0, b.get(name) ?? 0),
    in: (a.has(name) && b.has(name) ? "both" : a.has(name) ? "a" : "b") as ToolPair["in"],
  })).sort((x, y) =>
    Math.abs(y.tokens.delta ?? 0) - Math.abs(x.tokens.delta ?? 0) || x.name.localeCompare(y.name)
  );
}

function componentPairs(
  a: Map<string, { tokens: number; usd: number | null }>,
  b: Map<string, { tokens: number; usd: number | null }>,
): ComponentPair[] {
  const names = [...new Set([...a.keys(), ...b.keys()])];
  // A component a priced side lacks cost it nothing; an unpriced side's costs stay unknown.
  const priced = (m: typeof a) => [...m.values()].some((v) => v.usd !== null);
  const usdOf = (m: typeof a, name: string) => m.get(name)?.usd ?? (priced(m) ? 0 : null);
  return names.map((name) => ({
    name,
    tokens: pair(a.get(name)?.tokens ?? 0, b.get(name)?.tokens ?? 0),
    usd: pair(usdOf(a, name), usdOf(b, name)),
  }));
}

function callComponents(r: CallRecord): Map<string, { tokens: number; usd: number | null }> {
  return new Map(
    (r.attribution?.components ?? []).filter((c) => c.tokens > 0)
      .map((c) => [c.name, { tokens: c.tokens, usd: c.cost_usd }]),
  );
}

/** The first character at which two strings differ (the shorter's length when one begins the other). */
function partAt(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

/** Where two prompts first differ: by block hash (when both have blocks) and by message text. */
export function firstDifference(
  a: { messages: readonly ShownMessage[]; blocks: readonly BlockMeta[] | null },
  b: { messages: readonly ShownMessage[]; blocks: readonly BlockMeta[] | null },
): FirstDifference {
  let block: FirstDifference["block"] = null;
  if (a.blocks && b.blocks) {
    const n = Math.max(a.blocks.length, b.blocks.length);
    for (let i = 0; i < n; i++) {
      const x = a.blocks[i];
      const y = b.blocks[i];
      if (x?.hash === y?.hash) continue;
      const side = (m: BlockMeta | undefined) =>
        m ? { kind: m.kind, label: m.label, tokens: m.tokens } : null;
      block = { index: i, a: side(x), b: side(y) };
      break;
    }
  }
  let message: FirstDifference["message"] = null;
  const n = Math.max(a.messages.length, b.messages.length);
  for (let i = 0; i < n; i++) {
    const x = a.messages[i];
    const y = b.messages[i];
    const tx = x ? x.parts.join("\n") : "";
    const ty = y ? y.parts.join("\n") : "";
    if (x && y && x.role === y.role && tx === ty) continue;
    const offset = x?.role === y?.role ? partAt(tx, ty) : 0;
    const from = Math.max(0, offset - LEAD);
    const side = (m: ShownMessage | undefined, t: string) =>
      m ? { role: m.role, text: t.slice(from, from + SPAN) } : null;
    message = { index: i, offset, a: side(x, tx), b: side(y, ty) };
    break;
  }
  return { block, message };
}

/** Compares two calls: their components, tools and cost, and where their prompts first part. */
export function compareCalls(a: CompareCall, b: CompareCall): CallComparison {
  const side = (c: CompareCall): CallSide => ({
    id: c.record.id,
    model: c.record.model,
    api: c.record.api,
    created_at: c.record.created_at,
    run: c.record.session?.id ?? null,
    turn: c.record.session?.turn ?? null,
  });
  return {
    kind: "calls",
    a: side(a),
    b: side(b),
    prompt_tokens: pair(a.record.usage?.input_tokens, b.record.usage?.input_tokens),
    cost_usd: pair(a.record.cost?.total_usd, b.record.cost?.total_usd),
    components: componentPairs(callComponents(a.record), callComponents(b.record)),
    tools: toolPairs(
      toolTokens(a.record.attribution?.tree),
      toolTokens(b.record.attribution?.tree),
    ),
    first_difference: firstDifference(a, b),
  };
}

/** Compares two runs: turns, cost, tokens per component over all turns, the last turns' tools, and where their first turns part. */
export function compareRuns(a: CompareRun, b: CompareRun): RunComparison {
  const side = (r: CompareRun): RunSide => ({
    id: r.summary.id,
    name: r.summary.name,
    calls: r.summary.calls,
    first_at: r.summary.first_at,
  });
  const sent = (r: CompareRun) => {
    const out = new Map<string, { tokens: number; usd: number | null }>();
    for (const t of r.turns) {
      for (const [name, n] of Object.entries(t.components)) {
        if (n <= 0) continue;
        const was = out.get(name) ?? { tokens: 0, usd: null };
        out.set(name, { tokens: was.tokens + n, usd: null });
      }
    }
    return out;
  };
  const cost = (r: CompareRun) => r.turns.reduce((n, t) => n + (t.cost_usd ?? 0), 0);
  const empty = { messages: [], blocks: null };
  return {
    kind: "runs",
    a: side(a),
    b: side(b),
    turns: pair(a.turns.length, b.turns.length),
    cost_usd: pair(cost(a), cost(b)),
    last_prompt_tokens: pair(
      a.turns.at(-1)?.prompt_tokens ?? 0,
      b.turns.at(-1)?.prompt_tokens ?? 0,
    ),
    components: componentPairs(sent(a), sent(b)),
    tools: toolPairs(
      toolTokens(a.last?.record.attribution?.tree),
      toolTokens(b.last?.record.attribution?.tree),
    ),
    first_difference: firstDifference(a.first ?? empty, b.first ?? empty),
  };
}
