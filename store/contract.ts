import type { BlockMeta, SplitText } from "../core/blocks.ts";
import type { CallRecord, Finding } from "../core/record.ts";

/** A call as stored: its record, the request's text for display (base64 elided), and its chaining hash. */
export interface StoredCall {
  record: CallRecord;
  /** The request's text. When writing, `blocks` takes its place: the text split into content-addressed blocks. */
  request: string | null;
  /** The request's text as blocks, each stored once however many calls repeat it. */
  blocks?: SplitText | null;
  /** The hash of the call's whole conversation, which later turns look up. */
  endHash?: string | null;
  /** The same with the loose context (a masked system prompt, tools as a set). */
  looseHash?: string | null;
  /**
   * False for the proxy's record written as soon as the call ends, before analysis;
   * the analysed record replaces it. Default true.
   */
  analysed?: boolean;
}

/** An earlier call as chaining finds it. */
export interface ChainRow {
  callId: string;
  sessionId: string;
  turn: number;
  /** The hash it was found by. */
  endHash: string | null;
}

/** Most matching calls a text search considers: the newest ones. */
export const SEARCH_MATCHES = 1_000;

/** A page of calls, how many match, and whether a search found more than it counted. */
export interface CallPage {
  calls: CallSummary[];
  total: number;
  capped?: boolean;
}

/** Filters, sort and paging for {@linkcode BaseStore.listCalls}. */
export interface CallQuery {
  session?: string;
  /** Calls of a run and of the runs it spawned (its subagents). */
  family?: string;
  /** Calls of one `llmprof run` launch. */
  launch?: string;
  model?: string;
  provider?: string;
  /** "ok" for calls that succeeded, "error" for failed, refused or cut-short ones. */
  status?: "ok" | "error";
  /** Only calls with at least one finding. */
  findings?: boolean;
  /** False leaves out passthrough calls (paths llmprof forwards without reading). Default true. */
  passthrough?: boolean;
  /**
   * Words (all must occur) and "quoted phrases" searched in the prompts and responses
   * indexed when the calls were written; each result carries a {@linkcode CallSummary.snippet}.
   */
  q?: string;
  /** ISO time, inclusive. */
  since?: string;
  /** ISO time, exclusive. */
  until?: string;
  sort?: "time" | "cost" | "attention";
  limit?: number;
  offset?: number;
}

/** A row of the calls list. */
export interface CallSummary {
  id: string;
  created_at: string;
  provider: string;
  api: string;
  model: string | null;
  status: number;
  session_id: string | null;
  turn: number | null;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number | null;
  duration_ms: number;
  top_component: string | null;
  error: string | null;
  /** False for the few milliseconds between the proxy's record and its analysis (or for good, if llmprof stopped first). */
  analysed: boolean;
  /** The run's name (its client and first user message), when it has one. */
  run_name: string | null;
  /** Prompt tokens per component, or null for calls stored before components were kept per row. */
  components: Record<string, number> | null;
  /**
   * For a search: the matching text around the match, with each match between
   * {@linkcode MARK_START} and {@linkcode MARK_END}; unescaped, so escape it before marking.
   */
  snippet?: string | null;
}

/** Starts a match in a {@linkcode CallSummary.snippet}. */
export const MARK_START = "\u0001";
/** Ends a match in a {@linkcode CallSummary.snippet}. */
export const MARK_END = "\u0002";

/** Which runs {@linkcode BaseStore.listRuns} lists. */
export interface RunQuery {
  limit?: number;
  offset?: number;
  /** Runs active since this ISO time. */
  since?: string;
  /** "recent" (default) by last call, "cost" by dollars. */
  sort?: "recent" | "cost";
}

/** Prompt tokens of one component over a window. */
export interface ComponentShare {
  component: string;
  tokens: number;
}

/** A call's findings, for ranking findings across calls. */
export interface CallFindings {
  call_id: string;
  created_at: string;
  model: string | null;
  findings: Finding[];
}

/** A run of calls. */
export interface RunSummary {
  id: string;
  calls: number;
  first_at: string;
  last_at: string;
  cost_usd: number;
  first_prompt_tokens: number;
  last_prompt_tokens: number;
  /** The client and the first user message's opening words, when known. */
  name: string | null;
  /** The run that spawned this one (a subagent's parent), or null. */
  parent_run: string | null;
}

/** A subagent a call's response spawned, open until the subagent's first call claims it. */
export interface SpawnRow {
  /** The spawning call's id and the spawn's place among its response's spawns ("call:0"). */
  id: string;
  /** The agent session (or, without one, the launch) it was spawned in. */
  key: string;
  /** The prompt the subagent was given. */
  prompt: string;
  /** The spawning run and turn. */
  runId: string;
  turn: number;
  createdMs: number;
}

/** What every call of a run carries besides its turn: its name and the run and turn that spawned it. */
export interface RunLinks {
  name: string | null;
  parent_run: string | null;
  parent_turn: number | null;
}

/** One turn of a run. */
export interface RunTurn {
  call_id: string;
  turn: number;
  created_at: string;
  prompt_tokens: number;
  /** Prompt tokens the provider served from its cache (0 when none or unreported). */
  cache_read_tokens: number;
  components: Record<string, number>;
  cost_usd: number | null;
}

/** Calls, tokens and cost of one UTC day. */
export interface DaySummary {
  day: string;
  calls: number;
  tokens: number;
  cost_usd: number;
}

/** Calls, tokens and cost of one model. */
export interface ModelSummary {
  model: string;
  calls: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}

/** Calls, tokens and cost of one route (a reusable call shape). */
export interface RouteSummary {
  id: string;
  label: string;
  calls: number;
  input_tokens: number;
  cost_usd: number;
}

/** Spend over a window: what the monthly projection rests on. */
export interface Spend {
  calls: number;
  cost_usd: number;
  /** Dollars the calls' findings say could be saved. */
  reclaimable_usd: number;
  /** The first call's time in the window, or null when there were none. */
  first_at: string | null;
  /** The last call's time in the window, or null when there were none. */
  last_at: string | null;
}

/** An llmprof that opened the store: its dashboard's address and when it started. */
export interface Instance {
  /** The dashboard's URL, e.g. `http://127.0.0.1:4000/_llmprof/`. */
  address: string;
  started_at: string;
}

/** How big the store is. */
export interface StoreStats {
  calls: number;
  /** Bytes on disk: the SQLite file and its WAL, or the Postgres tables with their indexes. */
  bytes: number;
}

/** What pruning deleted, or would delete on a dry run. */
export interface PruneResult {
  calls: number;
  /** Blocks no remaining call referenced. */
  blocks: number;
  /** Bytes of call rows and blocks deleted (the file keeps its size and reuses them). */
  bytes: number;
}

/** A stored call whose request is still kept as whole text, from before blocks. */
export interface UnsplitRequest {
  id: string;
  api: string;
  request: string;
}

/** The contract every store implements: plain data in and out. */
export interface BaseStore {
  readonly kind: "sqlite" | "postgres";
  /** Writes calls. An analysed record replaces a stored unanalysed one; otherwise a stored call is left as it is. */
  writeBatch(calls: readonly StoredCall[]): Promise<void>;
  getCall(id: string): Promise<StoredCall | null>;
  /**
   * A page of calls and how many match. A search looks at the newest {@linkcode SEARCH_MATCHES}
   * calls whose text matches; `capped` says there were more.
   */
  listCalls(query?: CallQuery): Promise<CallPage>;
  listRuns(options?: RunQuery): Promise<RunSummary[]>;
  getRun(id: string): Promise<RunTurn[]>;
  /** Each run's prompt tokens turn by turn (its context growth), keyed by run id. */
  runGrowth(ids: readonly string[]): Promise<Record<string, number[]>>;
  /** Prompt tokens per component over the UTC days from `since`'s, largest first. */
  componentShares(options: { since: string }): Promise<ComponentShare[]>;
  /** The `limit` calls since a time whose findings would save the most dollars, with their findings. */
  findingCalls(options: { since: string; limit: number }): Promise<CallFindings[]>;
  /** Per-day totals for the `days` UTC days up to and including `now`'s. */
  dailySummary(options: { days: number; now?: Date }): Promise<DaySummary[]>;
  byModel(options: { since: string }): Promise<ModelSummary[]>;
  routes(options: { since: string }): Promise<RouteSummary[]>;
  /** The most recent call with each of these conversation hashes (exact or loose) that belongs to a run. */
  chainCandidates(hashes: readonly string[]): Promise<ChainRow[]>;
  /** The call whose response had this id. */
  callByResponseId(id: string): Promise<ChainRow | null>;
  /** The highest turn stored for a run (0 when none). */
  runTurns(id: string): Promise<number>;
  /** A stored run's name and the run and turn that spawned it; null for a run not stored. */
  runLinks(id: string): Promise<RunLinks | null>;
  /** Keeps the subagents a turn spawned (a spawn already kept is left as it is). */
  addSpawns(spawns: readonly SpawnRow[]): Promise<void>;
  /** The spawns of an agent session (or launch) no subagent has claimed, oldest first. */
  openSpawns(key: string): Promise<SpawnRow[]>;
  /** Claims a spawn for a subagent's run: false when it is unknown or another call claimed it first. */
  claimSpawn(id: string, runId: string): Promise<boolean>;
  /** How many stored calls continue a call. */
  childCount(callId: string): Promise<number>;
  /** Calls, cost and reclaimable dollars since a time. */
  spend(options: { since: string }): Promise<Spend>;
  /** Records that an llmprof serving `address` started writing to this store. */
  recordInstance(instance: Instance): Promise<void>;
  /** The llmprof that most recently started on this store, or null when none recorded one. */
  latestInstance(): Promise<Instance | null>;
  /** The blocks of each call's request, in order (glue left out), keyed by call id. */
  callBlocks(ids: readonly string[]): Promise<Record<string, BlockMeta[]>>;
  /** Up to `limit` calls whose request is still whole text, in id order after `after`, for the migration to blocks. */
  unsplitRequests(limit: number, after?: string): Promise<UnsplitRequest[]>;
  /** Replaces calls' whole request text by its blocks. */
  splitRequests(calls: ReadonlyArray<{ id: string; blocks: SplitText }>): Promise<void>;
  /** Deletes calls created before `before` and the blocks no other call references; `dryRun` only counts. */
  prune(options: { before: string; dryRun?: boolean }): Promise<PruneResult>;
  /** The store's size and number of calls. */
  stats(): Promise<StoreStats>;
  /** Deletes every stored call. */
  reset(): Promise<void>;
  /** Epoch milliseconds of the latest reset, 0 when never. */
  lastReset(): Promise<number>;
  /** Whether the store answers, and why not. */
  health(): Promise<{ ok: boolean; error?: string }>;
  close(): Promise<void>;
}
