import type { SplitText } from "../core/blocks.ts";
import type { CallRecord } from "../core/record.ts";
import type { AppliedRates } from "../pricing/price_table.ts";
import type { AgentFacts } from "./agent.ts";
import type { OutlineBlock, StablePrefix } from "./outline.ts";
import type { ToolUse } from "./tool_use.ts";

/** What analysis hands on for findings across calls; not stored. */
export interface CallFacts {
  outline: OutlineBlock[];
  stablePrefix: StablePrefix | null;
  /** The rates the call was priced at; null when its model has no price. */
  rates: AppliedRates | null;
  /** The call continues a stored response (previous_response_id): its prompt is not all in the request. */
  stateful: boolean;
  /** The tools the request shipped, called and returned results for. */
  tools: ToolUse;
}

/** What analysis adds beyond the record: the content the dashboard shows. */
export interface Analysis {
  record: CallRecord;
  /** The request's text for display, base64 payloads elided, when it was not split into blocks; null when not captured or too large. */
  request: string | null;
  /** The same text split into content-addressed blocks (what the store keeps); null when not split. */
  blocks: SplitText | null;
  /** Responses API: the response id this call continues, for chaining. */
  previousResponseId: string | null;
  /** Hash per conversation prefix, for chaining the call into its run; empty when not parsed. */
  chain: string[];
  /** The same with a loose context (see chainKeys). */
  looseChain: string[];
  /** The x-llmprof-session header, which groups calls explicitly. */
  sessionHeader: string | null;
  /** What a coding agent said about itself (session id, client, launch, spawns); null when not parsed. */
  agent: AgentFacts | null;
  /** What findings across calls need (the prompt's outline, its stable prefix, the rates); null when not parsed. */
  facts: CallFacts | null;
}

/** An analysis that got no further than the record: nothing to chain or compare. */
export function bareAnalysis(record: CallRecord, request: string | null = null): Analysis {
  return {
    record,
    request,
    blocks: null,
    previousResponseId: null,
    chain: [],
    looseChain: [],
    sessionHeader: null,
    agent: null,
    facts: null,
  };
}
