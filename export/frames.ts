import type { CallRecord } from "../core/record.ts";

/** One weighted stack of the flame-graph tree, root first. */
export interface Frame {
  /** Frame names from the root (`context`, or `turn N` for a run) to the leaf. */
  stack: string[];
  tokens: number;
  /** Dollars of the leaf's share of its component's cost; 0 when unpriced. */
  usd: number;
}

/** A tool's frame name, qualified by its component: the same tool is both a schema and a result. */
export function leafName(component: string, child: string): string {
  return `${component}: ${child}`;
}

/**
 * The weighted stacks of one call's prompt tree (context → component → tool), plus an
 * `output` stack for the completion. Tokens a component holds beyond its children stay on it.
 */
export function callFrames(record: CallRecord, options: { prefix?: string[] } = {}): Frame[] {
  const prefix = options.prefix ?? [];
  const frames: Frame[] = [];
  const tree = record.attribution?.tree;
  const components = record.attribution?.components ?? [];
  if (tree) {
    for (const component of tree.children) {
      const priced = components.find((c) => c.name === component.name);
      const rate = priced && priced.tokens > 0 ? (priced.cost_usd ?? 0) / priced.tokens : 0;
      const base = [...prefix, tree.name, component.name];
      let rest = component.tokens;
      for (const child of component.children) {
        rest -= child.tokens;
        if (child.tokens > 0) {
          frames.push({
            stack: [...base, leafName(component.name, child.name)],
            tokens: child.tokens,
            usd: child.tokens * rate,
          });
        }
      }
      if (rest > 0) frames.push({ stack: base, tokens: rest, usd: rest * rate });
    }
  }
  const output = record.usage?.output_tokens ?? 0;
  if (output > 0) {
    frames.push({
      stack: [...prefix, "output"],
      tokens: output,
      usd: record.cost?.output_usd ?? 0,
    });
  }
  return frames;
}

/** The weighted stacks of a run: each turn's call below a `turn N` root frame. */
export function runFrames(records: readonly CallRecord[]): Frame[] {
  return records.flatMap((record, i) =>
    callFrames(record, { prefix: [`turn ${record.session?.turn ?? i + 1}`] })
  );
}
