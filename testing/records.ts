import type { CallRecord } from "../core/record.ts";
import type { StoredCall } from "../store/contract.ts";

/** A complete call record for tests, with the fields that matter overridable. */
export function sampleRecord(
  overrides: Partial<CallRecord> & { cost_usd?: number | null; input?: number; output?: number } =
    {},
): CallRecord {
  const { cost_usd = 0.01, input = 1000, output = 100, ...fields } = overrides;
  return {
    id: crypto.randomUUID(),
    created_at: "2026-11-27T10:00:00.000Z",
    provider: "openai",
    api: "chat.completions",
    model: "gpt-4o",
    method: "POST",
    path: "/v1/chat/completions",
    status: 200,
    stream: false,
    client_aborted: false,
    error: null,
    timings: { ttfb_ms: 100, duration_ms: 250 },
    usage: {
      input_tokens: input,
      output_tokens: output,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
      cache_write_1h_tokens: 0,
      reasoning_tokens: 0,
      source: "provider",
    },
    attribution: {
      method: "exact",
      encoding: "o200k_base",
      counted_total: input,
      reported_total: input,
      components: [
        { name: "system prompt", tokens: Math.round(input * 0.6), cost_usd: null },
        { name: "user input", tokens: input - Math.round(input * 0.6), cost_usd: null },
      ],
      tree: { name: "context", tokens: input, children: [] },
      notes: [],
      mismatch: null,
    },
    response: null,
    cost: cost_usd === null
      ? { input_usd: null, output_usd: null, total_usd: null, priced: false, price_source: null }
      : {
        input_usd: cost_usd * 0.8,
        output_usd: cost_usd * 0.2,
        total_usd: cost_usd,
        priced: true,
        price_source: "test",
      },
    session: null,
    route: null,
    findings: [],
    request_bytes: 500,
    response_bytes: 300,
    ...fields,
  };
}

/** A stored call wrapping {@linkcode sampleRecord}. */
export function sampleCall(
  overrides: Parameters<typeof sampleRecord>[0] = {},
  request: string | null = '{"model":"gpt-4o"}',
): StoredCall {
  return { record: sampleRecord(overrides), request };
}
