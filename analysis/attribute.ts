import { apportion } from "./apportion.ts";
import { type Attribution, type ComponentName, COMPONENTS, type TreeNode } from "../core/record.ts";
import type { Segment } from "../formats/segment.ts";
import type { TokenCounter } from "./tokenizer.ts";
import { agentParts, GROUP, toolGroup } from "./agent_parts.ts";

/** Components whose children are named after tools. */
const PER_TOOL: ReadonlySet<ComponentName> = new Set([
  "tool schemas",
  "tool calls",
  "tool results",
]);

/** Token counts per component and per child label. */
export interface Counts {
  components: Map<ComponentName, number>;
  children: Map<ComponentName, Map<string, number>>;
}

/** Components whose text agents inject parts into (reminders, memory files, skills). */
const INJECTED_INTO: ReadonlySet<ComponentName> = new Set(["system prompt", "user input"]);

/**
 * Counts segments into components and per-tool children. For a coding agent's call
 * (`agent`), tool schemas are grouped by MCP server and built-in tools, and the parts an
 * agent injects into the system prompt and user input become children of their own.
 */
export function countSegments(
  segments: readonly Segment[],
  counter: TokenCounter,
  options: { agent?: boolean } = {},
): Counts {
  const components = new Map<ComponentName, number>(COMPONENTS.map((c) => [c, 0]));
  const children = new Map<ComponentName, Map<string, number>>();
  const addChild = (component: ComponentName, label: string, n: number) => {
    const kids = children.get(component) ?? new Map<string, number>();
    kids.set(label, (kids.get(label) ?? 0) + n);
    children.set(component, kids);
  };
  const grouped = options.agent === true ||
    segments.some((s) => s.component === "tool schemas" && s.label?.startsWith("mcp__"));
  for (const segment of segments) {
    const n = segment.tokens ?? (segment.text ? counter.count(segment.text) : 0);
    components.set(segment.component, components.get(segment.component)! + n);
    if (segment.label !== undefined && PER_TOOL.has(segment.component)) {
      const label = grouped && segment.component === "tool schemas"
        ? `${toolGroup(segment.label)}${GROUP}${segment.label}`
        : segment.label;
      addChild(segment.component, label, n);
    } else if (segment.text && INJECTED_INTO.has(segment.component)) {
      let left = n;
      for (const part of agentParts(segment.text)) {
        const tokens = Math.min(left, counter.count(part.text));
        left -= tokens;
        addChild(segment.component, part.label, tokens);
      }
    }
  }
  // Fixed negative overheads (the guide's enum_init) never leave a component below zero.
  for (const [name, n] of components) if (n < 0) components.set(name, 0);
  return { components, children };
}

/**
 * Makes counts add up to what the provider reported. Exact counts put the difference in
 * formatting overhead; approximate counts are scaled in proportion. Children follow
 * their component.
 */
export function reconcile(
  counts: Counts,
  reported: number,
  method: "exact" | "approximate",
): Counts {
  const names = [...counts.components.keys()];
  const counted = [...counts.components.values()];
  let fitted: number[];
  const overheadAt = names.indexOf("formatting overhead");
  const diff = reported - counted.reduce((a, b) => a + b, 0);
  if (method === "exact" && counted[overheadAt] + diff >= 0) {
    fitted = counted.slice();
    fitted[overheadAt] += diff;
  } else {
    fitted = apportion(counted, reported);
  }
  const components = new Map(names.map((name, i) => [name, fitted[i]]));
  const children = new Map<ComponentName, Map<string, number>>();
  for (const [name, kids] of counts.children) {
    const labels = [...kids.keys()];
    const parts = apportion([...kids.values()], components.get(name)!);
    children.set(name, new Map(labels.map((label, i) => [label, parts[i]])));
  }
  return { components, children };
}

/**
 * The flame-graph tree: context → components → one child per tool or agent part; a
 * grouped label ("MCP github" + GROUP + "create_issue") becomes a group with its members.
 * Every tool keeps its frame even when reconciliation rounded its share to 0 tokens; only
 * components with neither tokens nor tools are left out.
 */
export function buildTree(counts: Counts): TreeNode {
  const children: TreeNode[] = [];
  let total = 0;
  const bySize = (a: TreeNode, b: TreeNode) => b.tokens - a.tokens;
  for (const [name, tokens] of counts.components) {
    total += tokens;
    const kids: TreeNode[] = [];
    const groups = new Map<string, TreeNode>();
    for (const [label, counted] of counts.children.get(name) ?? new Map<string, number>()) {
      const n = Math.max(0, counted);
      const at = label.indexOf(GROUP);
      if (at < 0) {
        kids.push({ name: label, tokens: n, children: [] });
        continue;
      }
      const groupName = label.slice(0, at);
      let group = groups.get(groupName);
      if (!group) {
        group = { name: groupName, tokens: 0, children: [] };
        groups.set(groupName, group);
        kids.push(group);
      }
      group.tokens += n;
      group.children.push({ name: label.slice(at + 1), tokens: n, children: [] });
    }
    if (tokens <= 0 && kids.length === 0) continue;
    for (const group of groups.values()) group.children.sort(bySize);
    children.push({ name, tokens, children: kids.sort(bySize) });
  }
  return { name: "context", tokens: total, children };
}

/** Counted and reported totals further apart than this factor are a mismatch worth a look. */
export const MISMATCH_FACTOR = 1.25;

/**
 * What a gap between llmprof's count and the provider's report says: a note for a mismatch
 * (more than 25% either way) or for an exact count the report falls short of, and whether
 * the call needs a look. A call that continues a stored response is expected to be billed
 * for more than its request holds.
 */
export function reconciliationNote(
  counted: number,
  reported: number | null,
  options: { method: "exact" | "approximate"; encoding: string; stateful?: boolean },
): { note: string | null; mismatch: boolean } {
  if (reported === null || reported <= 0 || counted === reported) {
    return { note: null, mismatch: false };
  }
  const n = (x: number) => x.toLocaleString("en");
  const factor = Math.max(counted, reported) / Math.max(1, Math.min(counted, reported));
  const head = `the provider reported ${n(reported)} prompt tokens where llmprof counted ${
    n(counted)
  }`;
  if (reported > counted && options.stateful) {
    return factor > MISMATCH_FACTOR
      ? {
        note:
          `${head}: the earlier turns are held by the provider (previous_response_id) and are not in the request, so the components were scaled to the billed total`,
        mismatch: false,
      }
      : { note: null, mismatch: false };
  }
  if (factor > MISMATCH_FACTOR) {
    const causes = reported < counted
      ? `a proxy in between trimmed or rewrote the prompt, the provider truncated it, or the model's tokenizer is not ${options.encoding}`
      : `a proxy in between added to the prompt, the prompt holds content llmprof cannot see, or the model's tokenizer is not ${options.encoding}`;
    return {
      note: `${head} (${
        factor >= 10 ? `${n(Math.round(factor))}×` : `${Math.round((factor - 1) * 100)}%`
      } apart); the components were scaled to the reported total. Likely ${causes}`,
      mismatch: true,
    };
  }
  if (options.method === "exact" && reported < counted) {
    return {
      note:
        `${head}, fewer than an exact count should give: a proxy in between may have trimmed the prompt, or the provider truncated it`,
      mismatch: false,
    };
  }
  return { note: null, mismatch: false };
}

/** Attributes a prompt's segments, reconciled to the reported total when there is one. */
export function attribute(
  segments: readonly Segment[],
  counter: TokenCounter,
  options: {
    exact: boolean;
    reported: number | null;
    notes?: string[];
    stateful?: boolean;
    agent?: boolean;
  },
): Attribution {
  const counted = countSegments(segments, counter, { agent: options.agent });
  const countedTotal = [...counted.components.values()].reduce((a, b) => a + b, 0);
  const method = options.exact ? "exact" : "approximate";
  const final = options.reported !== null && options.reported > 0
    ? reconcile(counted, options.reported, method)
    : counted;
  const gap = reconciliationNote(countedTotal, options.reported, {
    method,
    encoding: counter.encoding,
    stateful: options.stateful,
  });
  const notes = [...(options.notes ?? [])];
  if (gap.note !== null) notes.push(gap.note);
  return {
    method,
    encoding: counter.encoding,
    counted_total: countedTotal,
    reported_total: options.reported,
    components: [...final.components].map(([name, tokens]) => ({ name, tokens, cost_usd: null })),
    tree: buildTree(final),
    notes: [...new Set(notes)],
    mismatch: gap.mismatch ? gap.note : null,
  };
}

/** A stretch of the prompt in layout order: its component, its reconciled tokens, and the segment it came from. */
export interface LayoutSegment {
  component: ComponentName;
  tokens: number;
  segment?: Segment;
}

/**
 * The prompt as the provider lays it out (tool schemas first, then the rest in order),
 * each part holding its share of the reconciled component totals: what pricing walks to
 * know which tokens were cached.
 */
export function promptLayout(
  segments: readonly Segment[],
  counter: TokenCounter,
  components: readonly { name: ComponentName; tokens: number }[],
): LayoutSegment[] {
  const ordered = [
    ...segments.filter((s) => s.component === "tool schemas"),
    ...segments.filter((s) => s.component !== "tool schemas"),
  ];
  const counted = new Map<ComponentName, number>();
  const sizes = ordered.map((s) => Math.max(0, s.tokens ?? (s.text ? counter.count(s.text) : 0)));
  ordered.forEach((s, i) => counted.set(s.component, (counted.get(s.component) ?? 0) + sizes[i]));
  const target = new Map(components.map((c) => [c.name, c.tokens]));
  const layout: LayoutSegment[] = [];
  ordered.forEach((s, i) => {
    const have = counted.get(s.component)!;
    if (have > 0) {
      layout.push({
        component: s.component,
        tokens: (sizes[i] * (target.get(s.component) ?? 0)) / have,
        segment: s,
      });
    }
  });
  // Reconciliation may give tokens to a component that had no segment (the provider's overhead).
  for (const [name, tokens] of target) {
    if (tokens > 0 && !(counted.get(name)! > 0)) layout.push({ component: name, tokens });
  }
  return layout;
}
