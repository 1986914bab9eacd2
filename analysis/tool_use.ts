import type { LayoutSegment } from "./attribute.ts";

/**
 * The tools a request shipped (each with its schema's share of the reconciled tokens, not
 * rounded), called in its history and returned results for, read from the parsed request.
 */
export interface ToolUse {
  shipped: ReadonlyArray<{ name: string; tokens: number }>;
  called: readonly string[];
  returned: readonly string[];
}

/** The tools of a prompt laid out by promptLayout: every tool, whatever its rounded share. */
export function toolUse(layout: readonly LayoutSegment[]): ToolUse {
  const shipped = new Map<string, number>();
  const called = new Set<string>();
  const returned = new Set<string>();
  for (const part of layout) {
    const label = part.segment?.label;
    if (label === undefined) continue;
    if (part.component === "tool schemas") {
      shipped.set(label, (shipped.get(label) ?? 0) + part.tokens);
    } else if (part.component === "tool calls") called.add(label);
    else if (part.component === "tool results") returned.add(label);
  }
  return {
    shipped: [...shipped].map(([name, tokens]) => ({ name, tokens })),
    called: [...called],
    returned: [...returned],
  };
}
