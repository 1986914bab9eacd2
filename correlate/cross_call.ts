import { diagnoseCacheBreak, type TurnFacts } from "./cache_break.ts";
import { capClaims } from "../analysis/findings.ts";
import { Lru } from "../core/lru.ts";
import type { CallFacts } from "../analysis/analysis.ts";
import type { CallRecord, Finding } from "../core/record.ts";
import { RouteLedger, type RouteRules, routeTools } from "./route_findings.ts";

/** Options for {@linkcode CrossCallFindings}. */
export interface CrossCallOptions extends Partial<RouteRules> {
  /** Characters of earlier prompts kept for cache-break diagnosis. Default 32 million. */
  memoryChars?: number;
}

function weigh(turn: TurnFacts): number {
  return turn.outline.reduce((n, b) => n + b.text.length + 64, 0);
}

/**
 * Adds the findings that need more than one call, once a call is placed in its run:
 * a cache break against the turn it continues, unused tools and an uncached prefix across
 * its route. Earlier turns are kept in memory, bounded; a turn whose predecessor was
 * evicted or seen before a restart is simply not diagnosed.
 */
export class CrossCallFindings {
  readonly #turns: Lru<string, TurnFacts>;
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
    const turn: TurnFacts = {
      provider: record.provider,
      at: Date.parse(record.created_at),
      usage: record.usage,
      outline: facts.outline,
      rates: facts.rates,
      stateful: facts.stateful,
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
