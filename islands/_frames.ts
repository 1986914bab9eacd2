/** What the flame graph and the treemap both say about a frame of the attribution tree. */
import type { TreeNode } from "../core/record.ts";
import { frameLabel, percent, tokens, usd } from "../reports/format.ts";

/** A frame's share of its component's cost, by tokens; the whole call's cost at the root; null when unpriced. */
export function frameCost(
  tree: TreeNode,
  costs: Record<string, number | null>,
  frame: { path: readonly string[]; tokens: number },
): number | null {
  const component = frame.path.length >= 2 ? frame.path[1] : null;
  if (component === null) {
    const all = Object.values(costs);
    return all.every((c) => c === null) ? null : all.reduce((n: number, c) => n + (c ?? 0), 0);
  }
  const componentCost = costs[component] ?? null;
  if (componentCost === null) return null;
  const componentTokens = tree.children.find((c) => c.name === component)?.tokens || 1;
  return componentCost * (frame.tokens / componentTokens);
}

/** The lines of a frame's tip: its name (tool and MCP server for a tool), tokens, share and cost. */
export function frameTip(
  tree: TreeNode,
  costs: Record<string, number | null>,
  frame: { path: readonly string[]; tokens: number },
): string[] {
  const label = frameLabel(frame.path);
  const lines = [label.tool ? `tool ${label.tool}` : label.text];
  if (label.server) lines.push(`MCP server ${label.server}`);
  if (label.tool && frame.path[1]) lines.push(`in ${frame.path[1]}`);
  lines.push(
    `${tokens(frame.tokens)} tokens · ${percent(frame.tokens / (tree.tokens || 1))} of the context`,
    `cost ${usd(frameCost(tree, costs, frame))}`,
  );
  return lines;
}
