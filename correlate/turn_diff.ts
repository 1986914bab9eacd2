import type { BlockMeta } from "../core/blocks.ts";
import type { Component, ComponentName } from "../core/record.ts";

/** One turn as a diff sees it: its blocks in order and its components. */
export interface TurnSide {
  blocks: readonly BlockMeta[];
  components: readonly Component[];
}

/** How one component changed from the previous turn. */
export interface ComponentDelta {
  name: ComponentName;
  before: number;
  after: number;
  /** Tokens added (negative: removed). */
  delta: number;
  /** Dollars of that change at this turn's rates; null when unpriced. */
  cost_usd: number | null;
}

/** A block this turn added, removed or changed (a removed and an added block of the same kind and label). */
export interface BlockChange {
  change: "added" | "removed" | "changed";
  kind: ComponentName | null;
  label: string | null;
  hash: string;
  /** Tokens of the block now (for a removed block: what it had). */
  tokens: number;
  /** For a changed block, its tokens before. */
  tokens_before?: number;
  /** Dollars of its tokens at this turn's average input rate; null when unpriced. */
  cost_usd: number | null;
}

/** What a turn added and removed against the previous turn of its run. */
export interface TurnDiff {
  previous_call_id: string;
  added_tokens: number;
  removed_tokens: number;
  components: ComponentDelta[];
  blocks: BlockChange[];
}

/**
 * The difference between two turns, from their blocks' hashes: a block whose hash the
 * previous turn had is unchanged, wherever it sits. `usdPerToken` prices blocks.
 */
export function turnDiff(
  previous: TurnSide,
  current: TurnSide,
  options: { previousId: string; usdPerToken: number | null },
): TurnDiff {
  const left = new Map<string, number>();
  for (const b of previous.blocks) left.set(b.hash, (left.get(b.hash) ?? 0) + 1);
  const added: BlockMeta[] = [];
  for (const b of current.blocks) {
    const n = left.get(b.hash) ?? 0;
    if (n > 0) left.set(b.hash, n - 1);
    else added.push(b);
  }
  const removed: BlockMeta[] = [];
  for (const b of previous.blocks) {
    const n = left.get(b.hash) ?? 0;
    if (n > 0) left.set(b.hash, n - 1), removed.push(b);
  }
  const price = (tokens: number) =>
    options.usdPerToken === null ? null : tokens * options.usdPerToken;
  const blocks: BlockChange[] = [];
  const unpaired = [...removed];
  for (const b of added) {
    const i = unpaired.findIndex((r) => r.kind === b.kind && r.label === b.label);
    if (i >= 0) {
      const [was] = unpaired.splice(i, 1);
      blocks.push({
        change: "changed",
        kind: b.kind,
        label: b.label,
        hash: b.hash,
        tokens: b.tokens,
        tokens_before: was.tokens,
        cost_usd: price(b.tokens - was.tokens),
      });
    } else {
      blocks.push({
        change: "added",
        kind: b.kind,
        label: b.label,
        hash: b.hash,
        tokens: b.tokens,
        cost_usd: price(b.tokens),
      });
    }
  }
  for (const r of unpaired) {
    blocks.push({
      change: "removed",
      kind: r.kind,
      label: r.label,
      hash: r.hash,
      tokens: r.tokens,
      cost_usd: price(-r.tokens),
    });
  }
  const before = new Map(previous.components.map((c) => [c.name, c]));
  const after = new Map(current.components.map((c) => [c.name, c]));
  const components: ComponentDelta[] = [];
  for (const name of new Set([...after.keys(), ...before.keys()])) {
    const b = before.get(name)?.tokens ?? 0;
    const a = after.get(name)?.tokens ?? 0;
    if (a === b) continue;
    components.push({
      name,
      before: b,
      after: a,
      delta: a - b,
      cost_usd: price(a - b),
    });
  }
  return {
    previous_call_id: options.previousId,
    added_tokens: added.reduce((n, b) => n + b.tokens, 0),
    removed_tokens: removed.reduce((n, b) => n + b.tokens, 0),
    components,
    blocks,
  };
}

/** A diff in one line, for a hover: "+1,017 tool results, +12 tool calls · 2 new blocks". */
export function diffLine(diff: TurnDiff): string {
  const parts = diff.components.map((c) =>
    `${c.delta > 0 ? "+" : "−"}${Math.abs(c.delta).toLocaleString("en")} ${c.name}`
  );
  const count = (change: BlockChange["change"]) =>
    diff.blocks.filter((b) => b.change === change).length;
  const blocks = [["new", count("added")], ["changed", count("changed")], [
    "removed",
    count("removed"),
  ]]
    .filter(([, n]) => Number(n) > 0).map(([word, n]) => `${n} ${word}`);
  return [
    parts.join(", ") || "no change in tokens",
    blocks.length ? `blocks: ${blocks.join(", ")}` : "",
  ]
    .filter(Boolean).join(" · ");
}
