import type { CapturedCall } from "../proxy/mod.ts";
import { callCost, componentCosts, type Overrides, resolvePrice } from "../pricing/mod.ts";
import { attribute, promptLayout } from "./attribute.ts";
import { routeOf } from "./route.ts";
import { callFindings } from "./findings.ts";
import type { CallFacts } from "./cross_call.ts";
import { promptOutline, stablePrefix } from "./outline.ts";
import type { AppliedRates } from "../pricing/price_table.ts";
import { chainKeys } from "./chain_keys.ts";
import { elideBase64 } from "./elide.ts";
import { parseChatRequest, parseChatResponse } from "./parse_chat.ts";
import { parseMessagesRequest, parseMessagesResponse } from "./parse_messages.ts";
import { parseResponsesRequest, parseResponsesResponse } from "./parse_responses.ts";
import type { CallRecord, Cost, Usage } from "./record.ts";
import { bareAnalysis, baseRecord, joinErrors } from "./base_record.ts";
import { hasMedia, type ParsedRequest } from "./segment.ts";
import { looksLikeSse } from "./sse.ts";
import { encodingForModel, type EncodingName, TokenCounter } from "./tokenizer.ts";
import type { ParsedResponse } from "./usage.ts";

/** Token counters by encoding, shared across calls so repeated content is counted once. */
export type Counters = Map<EncodingName, TokenCounter>;

/** Counters for each encoding, with their memo. */
export function newCounters(): Counters {
  return new Map([
    ["o200k_base", new TokenCounter("o200k_base")],
    ["cl100k_base", new TokenCounter("cl100k_base")],
  ]);
}

/** What analysis adds beyond the record: the content the dashboard shows. */
export interface Analysis {
  record: CallRecord;
  /** The request's text for display, base64 payloads elided; null when not captured or too large. */
  request: string | null;
  /** Responses API: the response id this call continues, for chaining. */
  previousResponseId: string | null;
  /** Hash per conversation prefix, for chaining the call into its run; empty when not parsed. */
  chain: string[];
  /** The same with a loose context (see chainKeys). */
  looseChain: string[];
  /** The x-llmprof-session header, which groups calls explicitly. */
  sessionHeader: string | null;
  /** What findings across calls need (the prompt's outline, its stable prefix, the rates); null when not parsed. */
  facts: CallFacts | null;
}

/** Requests longer than this (after eliding base64) are not stored as text. */
const MAX_STORED_REQUEST = 4 * 1024 * 1024;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const textDecoder = new TextDecoder();

/** Options for {@linkcode analyzeCall}. */
export interface AnalyzeOptions {
  /** Shared counters, so repeated content is counted once. */
  counters?: Counters;
  /** Price overrides from LLMPROF_PRICING. */
  overrides?: Overrides;
}

/**
 * Parses, attributes and prices one captured call. Never throws: what cannot be parsed is
 * recorded with the reason, and the rest of the record stands.
 */
export function analyzeCall(call: CapturedCall, options: AnalyzeOptions = {}): Analysis {
  try {
    return analyze(call, options);
  } catch (error) {
    // A body nested deeper than the stack (a 100,000-deep tool schema) overflows the
    // recursive walks; the call is still recorded, with why it was not analysed.
    if (!(error instanceof RangeError)) throw error;
    const record = baseRecord(call);
    record.error = joinErrors(
      record.error,
      `not analysed: the request or response is nested too deeply (${error.message})`,
    );
    return bareAnalysis(record);
  }
}

function analyze(call: CapturedCall, options: AnalyzeOptions): Analysis {
  const counters = options.counters ?? newCounters();
  const record = baseRecord(call);
  if (call.api === "passthrough" || call.requestBody === null) {
    return bareAnalysis(record);
  }

  const text = textDecoder.decode(call.requestBody);
  let request: string | null = text.length <= MAX_STORED_REQUEST ? text : null;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    record.error = joinErrors(record.error, `request body is not valid JSON: ${message(error)}`);
    return bareAnalysis(record, request);
  }
  const model = typeof (body as { model?: unknown })?.model === "string"
    ? (body as { model: string }).model
    : null;
  const choice = encodingForModel(model, call.provider);
  const counter = counters.get(choice.encoding)!;

  let parsed: ParsedRequest;
  try {
    parsed = call.api === "chat.completions"
      ? parseChatRequest(body, choice.encoding)
      : call.api === "responses"
      ? parseResponsesRequest(body, choice.encoding)
      : parseMessagesRequest(body);
  } catch (error) {
    record.error = joinErrors(record.error, `request could not be parsed: ${message(error)}`);
    return bareAnalysis(record, request);
  }
  record.model = parsed.model;
  record.stream = parsed.stream;

  const notes = [...parsed.notes];
  // Only media parts carry base64 worth eliding; agent traffic without them skips the scan.
  if (hasMedia(parsed.segments)) {
    const elided = elideBase64(text);
    request = elided.length <= MAX_STORED_REQUEST ? elided : null;
  }
  if (request === null) notes.push("the request was too large to store as text");
  let response: ParsedResponse | null = null;
  const encoding = call.responseHeaders["content-encoding"];
  if (
    call.responseBody !== null && call.responseBody.byteLength > 0 && call.status >= 200 &&
    call.status < 300
  ) {
    if (encoding && encoding !== "identity") {
      notes.push(`the response was ${encoding}-encoded and was not parsed`);
    } else {
      const sse = looksLikeSse(call.responseBody, call.responseHeaders["content-type"]);
      try {
        response = call.api === "chat.completions"
          ? parseChatResponse(call.responseBody, sse)
          : call.api === "responses"
          ? parseResponsesResponse(call.responseBody, sse)
          : parseMessagesResponse(call.responseBody, sse);
      } catch (error) {
        notes.push(`the response could not be parsed: ${message(error)}`);
      }
    }
  }
  record.response = response?.summary ?? null;
  if (response && !response.summary.complete) {
    notes.push("the response stream was cut short; usage is what arrived");
  }

  const reported = response?.usage?.input_tokens ?? null;
  record.attribution = attribute(parsed.segments, counter, {
    exact: choice.exact && call.api !== "messages",
    reported: reported !== null && reported > 0 ? reported : null,
    notes,
  });
  record.usage = response?.usage && response.usage.input_tokens > 0
    ? response.usage
    : countedUsage(record.attribution.counted_total, response, counter);
  record.route = routeOf(parsed.segments, call.api);

  const layout = promptLayout(parsed.segments, counter, record.attribution.components);
  const price = record.model === null ? null : resolvePrice(record.model, {
    provider: call.provider,
    upstream: call.upstream,
    at: new Date(call.startedAt),
  }, options.overrides);
  let rates: AppliedRates | null = null;
  if (price === null) {
    record.cost = unpriced();
  } else {
    const cost = callCost(record.usage, price.prices);
    record.cost = {
      input_usd: cost.input_usd,
      output_usd: cost.output_usd,
      total_usd: cost.total_usd,
      priced: true,
      price_source: price.source,
    };
    rates = cost.rates;
    const shares = componentCosts(layout, record.usage, cost.rates);
    for (const c of record.attribution.components) c.cost_usd = shares.get(c.name) ?? 0;
  }
  if (call.unsent) {
    // The provider never saw the request: nothing was billed, whatever its price would be.
    record.cost = { ...unpriced(), input_usd: 0, output_usd: 0, total_usd: 0, priced: true };
    for (const c of record.attribution.components) c.cost_usd = 0;
    record.attribution.notes.push("the request never reached the upstream: it cost nothing");
    rates = null;
  }
  const outline = promptOutline(layout);
  const keys = chainKeys(call.api, body);
  record.findings = callFindings(parsed.segments, counter, {
    attribution: record.attribution,
    usage: record.usage,
    cost: record.cost,
  });
  return {
    record,
    request,
    previousResponseId: parsed.previousResponseId,
    chain: keys.prefixes,
    looseChain: keys.loose,
    sessionHeader: call.requestHeaders["x-llmprof-session"] ?? null,
    facts: {
      outline,
      stablePrefix: stablePrefix(outline),
      rates,
      stateful: parsed.previousResponseId !== null,
    },
  };
}

function unpriced(): Cost {
  return { input_usd: null, output_usd: null, total_usd: null, priced: false, price_source: null };
}

function countedUsage(
  input: number,
  response: ParsedResponse | null,
  counter: TokenCounter,
): Usage {
  const summary = response?.summary;
  const output = summary
    ? counter.count(summary.text) + counter.count(summary.thinking) +
      summary.tool_calls.reduce((n, c) => n + counter.count(c.name) + counter.count(c.arguments), 0)
    : 0;
  return {
    input_tokens: input,
    output_tokens: response?.usage?.output_tokens || output,
    cache_read_tokens: response?.usage?.cache_read_tokens ?? 0,
    cache_write_tokens: response?.usage?.cache_write_tokens ?? 0,
    cache_write_1h_tokens: response?.usage?.cache_write_1h_tokens ?? 0,
    reasoning_tokens: response?.usage?.reasoning_tokens ?? 0,
    source: "counted",
  };
}
