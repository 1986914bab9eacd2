import { diagnoseCacheBreak, type TurnFacts } from "./cache_break.ts";
import { capClaims } from "../analysis/findings.ts";
import { Lru } from "../core/lru.ts";
import type { CallFacts } from "../analysis/analysis.ts";
import type { CallRecord, Finding } from "../core/record.ts";
import { RouteLedger, type RouteRules, routeTools } from "./route_findings.ts";

/** Options for {@linkcode CrossCallFindings}. */
export interface CrossCallOptions extends Partial<RouteRules> {
  /**
   * What earlier turns may weigh in memory, about in bytes: their prompts' characters and
   * their objects. Default 32 million (some 17,000 small calls, or 230 agent turns of 30,000 tokens).
   */
  memoryChars?: number;
}

/** An earlier turn as later ones are compared with it. */
interface KeptTurn extends TurnFacts {
  /** Its prompt tokens per component, for a compacted turn's "what was dropped". */
  components: Map<string, number>;
}

/** What a kept turn weighs: its texts, and its objects (measured as about 100 bytes a block and 1,500 a turn). */
function weigh(turn: KeptTurn): number {
  return turn.outline.reduce((n, b) => n + b.text.length + 100, 1_500);
}

/**
 * Adds the findings that need more than one call, once a call is placed in its run:
 * a cache break against the turn it continues, unused tools and an uncached prefix across
 * its route. Earlier turns are kept in memory, bounded; a turn whose predecessor was
 * evicted or seen before a restart is simply not diagnosed.
 */
export class CrossCallFindings {
  readonly #turns: Lru<string, KeptTurn>;
  /** The latest call of each run named by the x-llmprof-session header, whose turns have no parent. */
  readonly #latest = new Lru<string, string>(50_000);
  readonly #routes: RouteLedger;

  constructor(options: CrossCallOptions = {}) {
    this.#turns = new Lru(options.memoryChars ?? 32_000_000, { weigh });
    this.#routes = new RouteLedger(options);
  }

  /** Forgets every earlier turn (the store was reset). */
  forget(): void {
    this.#turns.clear();
    this.#latest.clear();
  }

  /** Adds this call's cross-call findings to its record, its claims capped at what it paid. */
  add(record: CallRecord, facts: CallFacts | null): void {
    if (facts === null || record.usage === null || record.status < 200 || record.status >= 300) {
      return;
    }
    const turn: KeptTurn = {
      provider: record.provider,
      at: Date.parse(record.created_at),
      usage: record.usage,
      outline: facts.outline,
      rates: facts.rates,
      stateful: facts.stateful,
      components: new Map(
        (record.attribution?.components ?? []).map((c) => [c.name as string, c.tokens]),
      ),
    };
    const found: Finding[] = [];
    const session = record.session;
    const previousId = session?.source === "header"
      ? this.#latest.get(session.id)
      : session?.parent_id ?? undefined;
    if (session?.source === "header") this.#latest.set(session.id, record.id);
    const parent = previousId === undefined ? undefined : this.#turns.get(previousId);
    if (parent) {
      const diagnosis = diagnoseCacheBreak(parent, turn);
      if (diagnosis) found.push(diagnosis);
    }
    this.#turns.set(record.id, turn);
    if (session?.compacted && parent) {
      const compaction = compactionFinding(
        parent.components,
        turn.components,
        facts.rates ? facts.rates.input / 1_000_000 : null,
      );
      if (compaction) found.push(compaction);
    }
    if (record.route) {
      found.push(...this.#routes.observe(record.route.id, {
        ...turn,
        stablePrefix: facts.stablePrefix,
        ...routeTools(record, facts.tools),
      }));
    }
    if (found.length > 0) {
      record.findings = capClaims([...record.findings, ...found], record.cost?.input_usd ?? null);
    }
  }
}

/**
 * A compacted turn: how far its context dropped from the turn before, and what was dropped,
 * component by component. `rate` is the input price per token (the dollars each later turn
 * no longer pays); no dollar claim is made, compaction saves rather than costs.
 */
export function compactionFinding(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
  rate: number | null,
): Finding | null {
  const total = (m: ReadonlyMap<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const dropped = total(before) - total(after);
  if (dropped <= 0) return null;
  const parts = [...before].map(([name, tokens]) =>
    [name, tokens - (after.get(name) ?? 0)] as const
  )
    .filter(([, d]) => d > 0).sort((a, b) => b[1] - a[1]).slice(0, 4)
    .map(([name, d]) => `${name} ${Math.round(d).toLocaleString("en")}`);
  const saved = rate === null ? "" : `, about $${(dropped * rate).toPrecision(2)} less a turn`;
  return {
    kind: "compaction",
    tokens: Math.round(dropped),
    usd: null,
    detail: `the agent compacted its context from ${
      Math.round(total(before)).toLocaleString("en")
    } to ${Math.round(total(after)).toLocaleString("en")} tokens${saved}; dropped: ${
      parts.join(", ")
    }`,
  };
}
