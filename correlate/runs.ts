import type { BaseStore, RunLinks, SpawnRow } from "../store/contract.ts";
import {
  type AgentInput,
  type ChainInput,
  type ChainNode,
  decideAgentRun,
  decideRun,
  matchesSpawn,
  type Spawn,
} from "./chain.ts";
import { Lru } from "../core/lru.ts";
import type { RunRef } from "../core/record.ts";

/** The store lookups chaining needs, and the spawns it keeps there for subagents to claim. */
export type ChainLookup = Pick<
  BaseStore,
  | "chainCandidates"
  | "callByResponseId"
  | "runTurns"
  | "childCount"
  | "runLinks"
  | "addSpawns"
  | "openSpawns"
  | "claimSpawn"
>;

/** A call to place in a run: its chaining input and what later calls will look it up by. */
export interface ChainRequest extends ChainInput {
  responseId: string | null;
  /** The prompts of subagents this call's response spawns. */
  spawns?: readonly string[];
}

/** What every call of a run carries besides its turn: its name and where it was spawned. */
type RunInfo = Pick<RunRef, "name" | "parent_run" | "parent_turn">;

/** The links of a run nothing is known about. */
const NO_LINKS: RunLinks = { name: null, parent_run: null, parent_turn: null };

/**
 * Places each analysed call in its run. Calls are taken one at a time, in the order they
 * are handed over, so a turn is known before the next is looked up. Recent calls are
 * kept in memory (they may not be written yet); the store answers for older ones and for
 * other instances sharing it.
 */
export class RunChainer {
  readonly #store: ChainLookup;
  readonly #log: (line: string) => void;
  readonly #byHash: Lru<string, ChainNode>;
  readonly #byLoose: Lru<string, ChainNode>;
  readonly #byResponse: Lru<string, ChainNode>;
  readonly #turns: Lru<string, number>;
  readonly #children: Lru<string, number>;
  readonly #runs: Lru<string, RunInfo>;
  readonly #spawns: Lru<string, Spawn[]>;
  /** The latest call of each run, which an agent's compacted turn continues. */
  readonly #latest: Lru<string, ChainNode>;
  #queue: Promise<unknown> = Promise.resolve();
  #storeFailing = false;

  constructor(
    store: ChainLookup,
    options: { memoryEntries?: number; log?: (line: string) => void } = {},
  ) {
    const size = options.memoryEntries ?? 20_000;
    this.#store = store;
    this.#log = options.log ?? ((line) => console.error(line));
    this.#byHash = new Lru(size);
    this.#byLoose = new Lru(size);
    this.#byResponse = new Lru(size);
    this.#turns = new Lru(size);
    this.#children = new Lru(size);
    this.#runs = new Lru(size);
    this.#spawns = new Lru(size);
    this.#latest = new Lru(size);
  }

  /** Forgets every call it remembers (the store was reset): later calls chain from the store alone. */
  forget(): void {
    for (const memory of [this.#byHash, this.#byLoose, this.#byResponse]) memory.clear();
    this.#turns.clear();
    this.#children.clear();
    this.#runs.clear();
    this.#spawns.clear();
    this.#latest.clear();
  }

  /** The run and turn of a call; never rejects (without the store, memory alone decides). */
  assign(request: ChainRequest): Promise<RunRef> {
    const next = this.#queue.then(() => this.#assign(request));
    this.#queue = next.catch(() => {});
    return next;
  }

  async #ask<T>(fn: () => Promise<T>, fallback: T): Promise<T> {
    try {
      const value = await fn();
      this.#storeFailing = false;
      return value;
    } catch (error) {
      if (!this.#storeFailing) {
        this.#log(
          `llmprof: chaining runs from memory only; the store did not answer: ${
            (error as Error).message
          }`,
        );
      }
      this.#storeFailing = true;
      return fallback;
    }
  }

  async #assign(request: ChainRequest): Promise<RunRef> {
    const byHash = new Map<string, ChainNode>();
    const byLoose = new Map<string, ChainNode>();
    let headerTurns = 0;
    let byResponse: ChainNode | null = null;
    if (request.sessionHeader) {
      const stored = await this.#ask(() => this.#store.runTurns(request.sessionHeader!), 0);
      headerTurns = Math.max(stored, this.#turns.get(request.sessionHeader) ?? 0);
    } else if (request.previousResponseId) {
      byResponse = this.#byResponse.get(request.previousResponseId) ??
        await this.#ask(() => this.#store.callByResponseId(request.previousResponseId!), null);
    }
    let fromMemory = new Set<string>();
    if (!request.sessionHeader && !byResponse) {
      fromMemory = await this.#candidates(request, byHash, byLoose);
    }
    const facts = { byHash, byLoose, byResponse, headerTurns, children: () => 0 };
    let session = decideRun(request, facts);
    if (session.parent_id) {
      // Only the chosen parent's other continuations decide whether this turn is a fork. A
      // parent this instance remembers has had its continuations seen here too.
      const parent = session.parent_id;
      const stored = fromMemory.has(parent)
        ? 0
        : await this.#ask(() => this.#store.childCount(parent), 0);
      const children = Math.max(stored, this.#children.get(parent) ?? 0);
      session = decideRun(request, {
        ...facts,
        children: (id) => (id === parent ? children : 0),
      });
    }
    if (request.agent) session = await this.#agentRun(request, session);
    this.#remember(request, session);
    return session;
  }

  /**
   * Places an agent's call among its session's runs (see decideAgentRun) and gives it its
   * run's name and parent. A turn's spawns are kept in memory and in the store, and a
   * subagent's first call claims its spawn from either: a subagent that starts after a
   * restart, or on another instance sharing the store, is still linked to its parent turn.
   */
  async #agentRun(request: ChainRequest, chained: RunRef): Promise<RunRef> {
    const agent = request.agent!;
    const key = agent.session ?? agent.launch ?? "";
    let session = chained;
    if (chained.source === "new") {
      const spawn = await this.#claimSpawn(key, agent, chained.id);
      let sessionKnown = false;
      if (agent.session !== null && spawn === null) {
        sessionKnown = (this.#turns.get(agent.session) ?? 0) > 0 ||
          await this.#ask(() => this.#store.runTurns(agent.session!), 0) > 0;
      }
      const latest = agent.session === null ? null : this.#latest.get(agent.session) ?? null;
      session = decideAgentRun(request, chained, { sessionKnown, spawn, latest });
    }
    let info = this.#runs.get(session.id);
    if (info === undefined && session.turn === 1) {
      info = {
        name: agent.name,
        parent_run: session.parent_run ?? null,
        parent_turn: session.parent_turn ?? null,
      };
      this.#runs.set(session.id, info);
    } else if (info === undefined) {
      // A run that started before a restart, or on another instance: its links are stored.
      const stored = await this.#ask(() => this.#store.runLinks(session.id), undefined);
      if (stored !== undefined) this.#runs.set(session.id, info = stored ?? NO_LINKS);
    }
    session = { ...session, ...info, launch: agent.launch };
    if (request.spawns?.length) {
      const createdMs = Date.now();
      const spawns: SpawnRow[] = request.spawns.map((prompt, i) => ({
        id: `${request.callId}:${i}`,
        key,
        prompt,
        runId: session.id,
        turn: session.turn,
        createdMs,
      }));
      this.#spawns.set(key, [...this.#spawns.get(key) ?? [], ...spawns]);
      await this.#ask(() => this.#store.addSpawns(spawns), undefined);
    }
    return session;
  }

  /**
   * The spawn a new conversation's opening matches, claimed for its run: from memory first,
   * else from the store (spawned before a restart, or on another instance). A spawn
   * another instance claimed first is passed over. When no prompt matches (an agent that
   * hands its subagent the task encrypted) but the call names the run that spawned it, that
   * run's oldest open spawn is taken.
   */
  async #claimSpawn(
    key: string,
    agent: Pick<AgentInput, "opening" | "parent">,
    runId: string,
  ): Promise<Spawn | null> {
    const tests: Array<(s: Spawn) => boolean> = [];
    if (agent.opening) tests.push((s) => matchesSpawn(agent.opening, s.prompt));
    if (agent.parent) tests.push((s) => s.runId === agent.parent);
    if (tests.length === 0) return null;
    const waiting = this.#spawns.get(key) ?? [];
    let open: SpawnRow[] | null = null;
    for (const test of tests) {
      const at = waiting.findIndex(test);
      if (at >= 0) {
        const [spawn] = waiting.splice(at, 1);
        await this.#ask(() => this.#store.claimSpawn(spawn.id, runId), false);
        return spawn;
      }
      open ??= await this.#ask(() => this.#store.openSpawns(key), []);
      for (const spawn of open.filter(test)) {
        if (await this.#ask(() => this.#store.claimSpawn(spawn.id, runId), false)) return spawn;
      }
    }
    return null;
  }

  /**
   * Fills `byHash` and `byLoose` with the earlier calls this call may continue: recent ones
   * from memory, then from the store only what memory cannot settle: exact prefixes longer
   * than memory's longest match (none when memory holds the whole conversation), and the
   * loose ones only when no exact prefix matched. Returns the ids memory supplied.
   */
  async #candidates(
    request: ChainRequest,
    byHash: Map<string, ChainNode>,
    byLoose: Map<string, ChainNode>,
  ): Promise<Set<string>> {
    const { prefixes, loose } = request;
    let longest = -1;
    prefixes.forEach((hash, k) => {
      const node = this.#byHash.get(hash);
      if (node) byHash.set(hash, node), longest = k;
    });
    if (longest < 0) {
      for (const hash of loose) {
        const node = this.#byLoose.get(hash);
        if (node) byLoose.set(hash, node);
      }
    }
    const remembered = new Set([...byHash.values(), ...byLoose.values()].map((n) => n.callId));
    const wanted = [...prefixes.slice(longest + 1), ...(longest < 0 ? loose : [])];
    if (wanted.length === 0) return remembered;
    // One lookup for the exact and the loose hashes: the loose ones count only if no exact one matched.
    const rows = await this.#ask(() => this.#store.chainCandidates(wanted), []);
    const exact = new Set(prefixes);
    for (const row of rows) {
      if (!row.endHash) continue;
      const into = exact.has(row.endHash) ? byHash : byLoose;
      if (!into.has(row.endHash)) into.set(row.endHash, row);
    }
    return remembered;
  }

  #remember(request: ChainRequest, session: RunRef): void {
    const node: ChainNode = { callId: request.callId, sessionId: session.id, turn: session.turn };
    const own = request.prefixes.at(-1);
    if (own) this.#byHash.set(own, node);
    const loose = request.loose.at(-1);
    if (loose) this.#byLoose.set(loose, node);
    if (request.responseId) this.#byResponse.set(request.responseId, node);
    this.#turns.set(session.id, Math.max(this.#turns.get(session.id) ?? 0, session.turn));
    if (session.turn >= (this.#latest.get(session.id)?.turn ?? 0)) {
      this.#latest.set(session.id, node);
    }
    if (session.parent_id) {
      this.#children.set(session.parent_id, (this.#children.get(session.parent_id) ?? 0) + 1);
    }
  }
}
