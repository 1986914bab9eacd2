import type { CapturedCall } from "../core/call.ts";
import { callCost, componentCosts, type Overrides, resolvePrice } from "../pricing/mod.ts";
import { attribute, promptLayout } from "./attribute.ts";
import { routeOf } from "./route.ts";
import { toolUse } from "./tool_use.ts";
import { callFindings } from "./findings.ts";
import { promptOutline, stablePrefix } from "./outline.ts";
import type { AppliedRates } from "../pricing/price_table.ts";
import { type Analysis, bareAnalysis } from "./analysis.ts";
import { chainKeys } from "./chain_keys.ts";
import { agentFacts, isCodingAgent } from "./agent.ts";
import { elideBase64 } from "../formats/elide.ts";
import type { SplitText } from "../core/blocks.ts";
import { holdForSplit, splitRequest } from "./request_blocks.ts";
import { formatOf, type WireFormat } from "../formats/mod.ts";
import { pathFacts } from "../formats/path.ts";
import type { Cost, Usage } from "../core/record.ts";
import { baseRecord, joinErrors } from "../core/base_record.ts";
import { hasMedia, type ParsedRequest } from "../formats/segment.ts";
import { looksLikeSse } from "../formats/sse.ts";
import { encodingForModel, type EncodingName, TokenCounter } from "./tokenizer.ts";
import type { ParsedResponse } from "../formats/usage.ts";

/** Token counters by encoding, shared across calls so repeated content is counted once. */
export type Counters = Map<EncodingName, TokenCounter>;

/** Counters for each encoding, with their memo. */
export function newCounters(): Counters {
  return new Map([
    ["o200k_base", new TokenCounter("o200k_base")],
    ["cl100k_base", new TokenCounter("cl100k_base")],
  ]);
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
  /**
   * Store the request as content-addressed blocks (default true). False leaves it as text,
   * for a privacy level to redact first; {@linkcode splitForStore} then splits it.
   */
  split?: boolean;
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
  const format = formatOf(call.api);
  if (format === null || call.requestBody === null) return bareAnalysis(record);

  const text = textDecoder.decode(call.requestBody);
  let request: string | null = text.length <= MAX_STORED_REQUEST ? text : null;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    record.error = joinErrors(record.error, `request body is not valid JSON: ${message(error)}`);
    return bareAnalysis(record, request);
  }
  const responseNotes: string[] = [];
  const response = readResponse(call, format, responseNotes);
  const fromPath = pathFacts(call.path);
  const requested = typeof (body as { model?: unknown })?.model === "string"
    ? (body as { model: string }).model
    : fromPath.model;
  const model = modelOf(requested, response, call.provider, options.overrides);
  const choice = encodingForModel(model, call.provider);
  const counter = counters.get(choice.encoding)!;

  let parsed: ParsedRequest;
  try {
    parsed = format.parseRequest(body, choice.encoding);
  } catch (error) {
    record.error = joinErrors(record.error, `request could not be parsed: ${message(error)}`);
    return bareAnalysis(record, request);
  }
  record.model = model;
  record.stream = parsed.stream || fromPath.stream;

  const notes = [...parsed.notes];
  // Only media parts carry base64 worth eliding; agent traffic without them skips the scan.
  if (hasMedia(parsed.segments)) {
    const elided = elideBase64(text);
    request = elided.length <= MAX_STORED_REQUEST ? elided : null;
  }
  if (request === null) notes.push("the request was too large to store as text");
  notes.push(...responseNotes);
  record.response = response?.summary ?? null;
  if (response && !response.summary.complete) {
    notes.push("the response stream was cut short; usage is what arrived");
  }
  if (parsed.cachedContent) {
    // Explicitly cached content is held upstream: the request only names it.
    const cachedTokens = response?.usage?.cache_read_tokens ?? 0;
    parsed.segments.push({
      component: "system prompt",
      label: "cached content",
      tokens: cachedTokens,
    });
    notes.push(
      `the cached content ${parsed.cachedContent} is held upstream; its ${cachedTokens} tokens are cachedContentTokenCount`,
    );
  }

  const reported = response?.usage?.input_tokens ?? null;
  const agent = agentFacts(call.requestHeaders, body, {
    segments: parsed.segments,
    response: record.response,
  });
  record.attribution = attribute(parsed.segments, counter, {
    agent: isCodingAgent(agent.client),
    exact: choice.exact && format.countsExactly,
    reported: reported !== null && reported > 0 ? reported : null,
    notes,
    stateful: parsed.previousResponseId !== null,
  });
  record.usage = response?.usage && response.usage.input_tokens > 0
    ? response.usage
    : countedUsage(record.attribution.counted_total, response, counter);
  record.route = routeOf(parsed.segments, { api: call.api, model: parsed.model });

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
    model: record.model,
  });
  let blocks: SplitText | null = null;
  const shown = request;
  if (request !== null && options.split !== false) {
    blocks = splitRequest(call.api, request, { counter, body });
    request = null;
  }
  const analysis: Analysis = {
    record,
    request,
    blocks,
    previousResponseId: parsed.previousResponseId,
    chain: keys.prefixes,
    looseChain: keys.loose,
    sessionHeader: call.requestHeaders["x-llmprof-session"] ?? null,
    agent,
    facts: {
      outline,
      stablePrefix: stablePrefix(outline),
      rates,
      stateful: parsed.previousResponseId !== null,
      tools: toolUse(layout),
    },
  };
  if (request !== null && shown !== null) {
    holdForSplit(analysis, { api: call.api, text: shown, body, counter });
  }
  return analysis;
}

/** Reads a successful response body with its format; notes say why one was not read. */
function readResponse(
  call: CapturedCall,
  format: WireFormat,
  notes: string[],
): ParsedResponse | null {
  if (
    call.responseBody === null || call.responseBody.byteLength === 0 || call.status < 200 ||
    call.status >= 300
  ) {
    return null;
  }
  const encoding = call.responseHeaders["content-encoding"];
  if (encoding && encoding !== "identity") {
    notes.push(`the response was ${encoding}-encoded and was not parsed`);
    return null;
  }
  const sse = looksLikeSse(call.responseBody, call.responseHeaders["content-type"]);
  try {
    return format.parseResponse(call.responseBody, sse);
  } catch (error) {
    notes.push(`the response could not be parsed: ${message(error)}`);
    return null;
  }
}

/**
 * The model a call is priced as. An Azure deployment name is the operator's own: the
 * response's `model` names the real model, unless an override is keyed by the deployment.
 */
function modelOf(
  requested: string | null,
  response: ParsedResponse | null,
  provider: string,
  overrides: Overrides | undefined,
): string | null {
  const answered = response?.model ?? null;
  if (provider !== "azure" || answered === null) return requested ?? answered;
  return requested !== null && overrides && Object.hasOwn(overrides, requested)
    ? requested
    : answered;
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
