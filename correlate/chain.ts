import type { RunRef } from "../core/record.ts";

/** An earlier call as chaining sees it. */
export interface ChainNode {
  callId: string;
  sessionId: string;
  turn: number;
}

/** What one call offers for chaining. */
export interface ChainInput {
  callId: string;
  /** Hash per message prefix; the last is the call's own. */
  prefixes: readonly string[];
  /** The same with the loose context, tried when no prefix matches. */
  loose: readonly string[];
  /** The x-llmprof-session header, which wins over chaining. */
  sessionHeader: string | null;
  /** Responses API: the response this call continues. */
  previousResponseId: string | null;
  /** What the agent said about itself; absent for plain clients. */
  agent?: AgentInput;
}

/** What placing a call among its agent's runs needs. */
export interface AgentInput {
  /** The agent's own session id. */
  session: string | null;
  /** The first user message's own text, to match a subagent to the turn that spawned it. */
  opening: string | null;
  /** The run's name, should this call start one. */
  name: string | null;
  /** The `llmprof run` launch. */
  launch: string | null;
  /**
   * The run whose agent spawned this one, when the agent names it (Codex's subagents name
   * their parent's thread, which for the root agent is its session and main run).
   */
  parent?: string | null;
}

/** A subagent a parent's turn spawned, waiting for its first call. */
export interface Spawn {
  /** The spawning call's id and the spawn's place among its spawns ("call:0"). */
  id: string;
  runId: string;
  turn: number;
  prompt: string;
}

/** What is known about an agent's session when one of its calls starts a new conversation. */
export interface AgentFacts {
  /** True when the session already has its main run. */
  sessionKnown: boolean;
  /** The spawn whose prompt this call's opening matches. */
  spawn: Spawn | null;
  /** The latest call of the session's main run, which a compacted turn continues. */
  latest?: ChainNode | null;
}

/** The opening words of the summary an agent continues with after compacting its context. */
const COMPACTED =
  /^(This session is being continued from a previous conversation|Another language model started to solve this problem|Context checkpoint compaction)/i;

/** True when a call's opening is an agent's summary after compaction. */
export function isCompacted(opening: string | null): boolean {
  return opening !== null && COMPACTED.test(opening);
}

/** True when a call's opening is the prompt a subagent was spawned with. */
export function matchesSpawn(opening: string | null, prompt: string): boolean {
  if (!opening) return false;
  return opening === prompt || opening.startsWith(prompt) || prompt.startsWith(opening);
}

/**
 * Refines a call that chaining could not link: a subagent's first call is linked to the
 * run and turn that spawned it; the first new conversation of an agent's session is its
 * main run, named by the agent's own session id; the summary an agent continues with after
 * compacting continues that main run; another new one (a side call such as a title) is its
 * own run under the session's main run.
 */
export function decideAgentRun(
  input: ChainInput,
  chained: RunRef,
  facts: AgentFacts,
): RunRef {
  const agent = input.agent;
  if (!agent || chained.source !== "new") return chained;
  if (facts.spawn) {
    return {
      ...chained,
      source: "subagent",
      parent_run: facts.spawn.runId,
      parent_turn: facts.spawn.turn,
    };
  }
  if (agent.session === null) return chained;
  if (!facts.sessionKnown) return { ...chained, id: agent.session, source: "agent" };
  if (facts.latest && isCompacted(agent.opening)) {
    return {
      ...chained,
      id: facts.latest.sessionId,
      turn: facts.latest.turn + 1,
      source: "chain",
      parent_id: facts.latest.callId,
      compacted: true,
    };
  }
  return { ...chained, parent_run: agent.session, parent_turn: null };
}

/** What was found about a call's possible predecessors. */
export interface ChainFacts {
  /** Earlier calls by their own (full-conversation) hash. */
  byHash: ReadonlyMap<string, ChainNode>;
  /** Earlier calls by their own loose hash. */
  byLoose: ReadonlyMap<string, ChainNode>;
  /** The call whose response carried `previousResponseId`. */
  byResponse: ChainNode | null;
  /** Highest turn so far in the header's session (0 when new). */
  headerTurns: number;
  /** How many calls already continue a given call. */
  children(callId: string): number;
}

/**
 * Which run a call belongs to, and its turn. The header wins; then a Responses call's
 * previous_response_id; then the earlier call whose whole conversation is the longest
 * prefix of this one's (the same whole conversation is a retry); then the same with the loose
 * context, which forgives a changed timestamp or tool order. Otherwise it starts a run.
 */
export function decideRun(input: ChainInput, facts: ChainFacts): RunRef {
  const none = { parent_id: null, retry_of: null, fork: false };
  if (input.sessionHeader) {
    return { id: input.sessionHeader, turn: facts.headerTurns + 1, source: "header", ...none };
  }
  const extend = (parent: ChainNode): RunRef => ({
    id: parent.sessionId,
    turn: parent.turn + 1,
    source: "chain",
    parent_id: parent.callId,
    retry_of: null,
    fork: facts.children(parent.callId) > 0,
  });
  if (input.previousResponseId && facts.byResponse) return extend(facts.byResponse);
  const found = longestMatch(input.prefixes, facts.byHash) ??
    longestMatch(input.loose, facts.byLoose);
  if (found === null) return { id: input.callId, turn: 1, source: "new", ...none };
  if (!found.whole) return extend(found.node);
  return {
    id: found.node.sessionId,
    turn: found.node.turn,
    source: "chain",
    parent_id: null,
    retry_of: found.node.callId,
    fork: false,
  };
}

/** The earlier call whose own hash is the longest of `prefixes`, and whether it is the whole. */
function longestMatch(
  prefixes: readonly string[],
  known: ReadonlyMap<string, ChainNode>,
): { node: ChainNode; whole: boolean } | null {
  for (let k = prefixes.length - 1; k >= 0; k--) {
    const node = known.get(prefixes[k]);
    if (node) return { node, whole: k === prefixes.length - 1 };
  }
  return null;
}
