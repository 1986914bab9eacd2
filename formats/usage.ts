import type { ResponseSummary, Usage } from "../core/record.ts";

/** What a response parser found. */
export interface ParsedResponse {
  summary: ResponseSummary;
  /** Usage as the provider reported it, or null. */
  usage: Usage | null;
  /** The model the response names (`model`, Gemini's `modelVersion`), when it names one. */
  model?: string | null;
}

/** A non-negative integer from a usage field, or 0. */
export function tokens(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? Math.round(value) : 0;
}

/** An empty response summary, to fill in. */
export function emptySummary(): ResponseSummary {
  return { id: null, text: "", thinking: "", tool_calls: [], stop_reason: null, complete: false };
}

/** OpenAI usage (chat `prompt_tokens` or Responses `input_tokens`) in llmprof's terms. */
export function openaiUsage(raw: unknown): Usage | null {
  if (typeof raw !== "object" || raw === null) return null;
  const u = raw as Record<string, Record<string, unknown> | number | undefined>;
  const input = tokens(u.prompt_tokens ?? u.input_tokens);
  const inputDetails = (u.prompt_tokens_details ?? u.input_tokens_details) as
    | Record<string, unknown>
    | undefined;
  const outputDetails = (u.completion_tokens_details ?? u.output_tokens_details) as
    | Record<string, unknown>
    | undefined;
  return {
    input_tokens: input,
    output_tokens: tokens(u.completion_tokens ?? u.output_tokens),
    cache_read_tokens: tokens(inputDetails?.cached_tokens),
    cache_write_tokens: 0,
    cache_write_1h_tokens: 0,
    reasoning_tokens: tokens(outputDetails?.reasoning_tokens),
    source: "provider",
  };
}

/**
 * Anthropic usage in llmprof's terms: `input_tokens` becomes the whole prompt
 * (uncached input plus cache reads plus cache writes).
 */
export function anthropicUsage(raw: unknown): Usage | null {
  if (typeof raw !== "object" || raw === null) return null;
  const u = raw as Record<string, unknown>;
  const read = tokens(u.cache_read_input_tokens);
  const write = tokens(u.cache_creation_input_tokens);
  const split = u.cache_creation as Record<string, unknown> | undefined;
  return {
    input_tokens: tokens(u.input_tokens) + read + write,
    output_tokens: tokens(u.output_tokens),
    cache_read_tokens: read,
    cache_write_tokens: write,
    cache_write_1h_tokens: Math.min(write, tokens(split?.ephemeral_1h_input_tokens)),
    reasoning_tokens: 0,
    source: "provider",
  };
}

/**
 * Gemini `usageMetadata` in llmprof's terms: the prompt is `promptTokenCount` (cached content
 * included) plus `toolUsePromptTokenCount`, both billed as input; thoughts are billed as output.
 */
export function geminiUsage(raw: unknown): Usage | null {
  if (typeof raw !== "object" || raw === null) return null;
  const u = raw as Record<string, unknown>;
  const thoughts = tokens(u.thoughtsTokenCount);
  return {
    input_tokens: tokens(u.promptTokenCount) + tokens(u.toolUsePromptTokenCount),
    output_tokens: tokens(u.candidatesTokenCount) + thoughts,
    cache_read_tokens: tokens(u.cachedContentTokenCount),
    cache_write_tokens: 0,
    cache_write_1h_tokens: 0,
    reasoning_tokens: thoughts,
    source: "provider",
  };
}
