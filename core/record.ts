import type { Api, Provider } from "./call.ts";

/** The eight components a prompt is split into, in display order. */
export const COMPONENTS = [
  "system prompt",
  "user input",
  "history (assistant)",
  "tool calls",
  "tool results",
  "tool schemas",
  "images & files",
  "formatting overhead",
] as const;

/** One of {@linkcode COMPONENTS}. */
export type ComponentName = typeof COMPONENTS[number];

/** Token usage of a call; `input_tokens` is the whole prompt, cache reads and writes included. */
export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  /** All cache writes (5-minute and 1-hour). */
  cache_write_tokens: number;
  /** The part of cache writes at the 1-hour rate (Anthropic). */
  cache_write_1h_tokens: number;
  reasoning_tokens: number;
  /** "provider" when the provider reported it, "counted" when llmprof counted it. */
  source: "provider" | "counted";
}

/** A component's share of the prompt. */
export interface Component {
  name: ComponentName;
  tokens: number;
  /** Filled in by pricing; null until then or when the model has no price. */
  cost_usd: number | null;
}

/** A frame of the attribution flame graph. */
export interface TreeNode {
  name: string;
  tokens: number;
  children: TreeNode[];
}

/** What the prompt was made of. */
export interface Attribution {
  method: "exact" | "approximate";
  encoding: string;
  /** Tokens llmprof counted. */
  counted_total: number;
  /** Tokens the provider reported for the prompt, or null. */
  reported_total: number | null;
  components: Component[];
  tree: TreeNode;
  /** Things worth knowing about how this was counted (estimates, unknown parts). */
  notes: string[];
  /**
   * The note on a mismatch, when the counted and reported totals differ by more than 25%:
   * the call needs a look. Null otherwise (and absent in records stored before it existed).
   */
  mismatch: string | null;
}

/** A call's cost in US dollars. */
export interface Cost {
  input_usd: number | null;
  output_usd: number | null;
  total_usd: number | null;
  priced: boolean;
  price_source: string | null;
}

/** Which run a call belongs to. */
export interface RunRef {
  id: string;
  turn: number;
  /**
   * "header": x-llmprof-session; "agent": the first call of an agent's session (its own
   * session id); "subagent": the first call of a subagent its parent spawned; "chain": it
   * continues an earlier call; "new": it starts a run.
   */
  source: "header" | "agent" | "subagent" | "chain" | "new";
  /** The call this one continues, when chained. */
  parent_id: string | null;
  /** The earlier call with the same conversation, when this is a retry. */
  retry_of: string | null;
  /** True when the parent already had another continuation: this turn is a branch. */
  fork: boolean;
  /** The run's name: the client and the first user message's opening words; set on a run's first call. */
  name?: string | null;
  /** The run that spawned this one (a subagent's parent, or the agent session a side call belongs to). */
  parent_run?: string | null;
  /** The parent run's turn that spawned this run, when known. */
  parent_turn?: number | null;
  /** The `llmprof run` launch the call came from (the x-llmprof-launch header). */
  launch?: string | null;
  /** True when the agent compacted its context: this turn continues its run with a summary. */
  compacted?: boolean;
}

/** Where a turn's prompt first differed from the previous turn's (cache-break diagnosis). */
export interface PromptChange {
  component: ComponentName;
  /** Index of the message or input item; null for the system field and tool schemas. */
  message: number | null;
  /** The tool, for a tool schema, call or result. */
  label: string | null;
  /** Character offset of the first difference within that block. */
  offset: number;
  /** A short excerpt around the difference, before and after. */
  before: string;
  after: string;
}

/** A saving or warning found in a call. */
export interface Finding {
  kind:
    | "duplicated_content"
    | "uncached_prefix"
    | "unused_tools"
    | "cache_break"
    | "advisory"
    // A coding agent's context (see docs/findings.md).
    | "compaction"
    | "context_window"
    | "large_tool_result"
    | "reread"
    | "repeated_tool_call"
    | "tool_error_loop";
  /** Tokens per call the finding is about. */
  tokens: number;
  /** Dollars per call it would save, at the call's own cache-aware rates; null for advisories. */
  usd: number | null;
  detail: string;
  /** For a cache break: where the prompt changed. */
  change?: PromptChange;
}

/** What the response said, for display. */
export interface ResponseSummary {
  id: string | null;
  text: string;
  thinking: string;
  tool_calls: Array<{ id: string | null; name: string; arguments: string }>;
  stop_reason: string | null;
  /** False when the stream was cut short. */
  complete: boolean;
}

/** What is stored of a call's text: `full`, `redact` (secrets replaced) or `metadata` (none). */
export type Privacy = "full" | "redact" | "metadata";

/** A full call record: the format of the JSON API and the stores. */
export interface CallRecord {
  id: string;
  created_at: string;
  provider: Provider;
  api: Api;
  model: string | null;
  method: string;
  path: string;
  status: number;
  stream: boolean;
  client_aborted: boolean;
  error: string | null;
  timings: { ttfb_ms: number | null; duration_ms: number };
  usage: Usage | null;
  attribution: Attribution | null;
  response: ResponseSummary | null;
  cost: Cost | null;
  session: RunRef | null;
  route: { id: string; label: string } | null;
  findings: Finding[];
  request_bytes: number;
  response_bytes: number;
  /** The privacy level the call was stored under; absent until analysed. */
  privacy?: Privacy;
}
