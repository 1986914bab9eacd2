/**
 * Findings about how a coding agent used its context in one call: one large tool result,
 * the same file or URL read again (with the same content) while the earlier result is still
 * in context, the same tool call repeated with the same result, a tool error retried in a
 * loop, and a context near the model's window.
 * Pure: the prompt's segments in, findings out.
 * @module
 */
import type { Finding } from "../core/record.ts";
import type { Segment } from "../formats/segment.ts";
import type { TokenCounter } from "./tokenizer.ts";

/** One tool call in the prompt with the result that came back. */
export interface ToolExchange {
  name: string;
  /** The call's input as the agent sent it (JSON text). */
  input: string;
  /** The message (or input item) the call is in. */
  message: number | null;
  result: string;
  resultTokens: number;
  callTokens: number;
  error: boolean;
}

/** Tools that read a file or a URL: a second identical read while the first is in context is waste. */
const READERS =
  /^(Read|read_file|read|view|View|cat|WebFetch|web_fetch|fetch|open_url|NotebookRead)$/;

/** A tool result that reports a failure. */
const ERROR =
  /^\s*(<tool_use_error>|Error\b|error:|Exit code: [1-9]|Traceback \(most recent call last\))/i;

/** Context windows in tokens, by model-name prefix; the first match wins. */
const WINDOWS: Array<[RegExp, number]> = [
  [/^claude-.*\[1m\]/, 1_000_000],
  [/^(anthropic\/)?claude/, 200_000],
  [/^(openai\/)?gpt-4\.1/, 1_047_576],
  [/^(openai\/)?gpt-5/, 400_000],
  [/^(openai\/)?gpt-4o/, 128_000],
  [/^(openai\/)?o[134]/, 200_000],
  [/^(google\/)?gemini/, 1_048_576],
];

/** A model's context window in tokens, or null when llmprof does not know it. */
export function contextWindow(model: string | null): number | null {
  if (!model) return null;
  return WINDOWS.find(([pattern]) => pattern.test(model))?.[1] ?? null;
}

/**
 * The tool calls in a prompt, each paired with its result: the calls of one tool and its
 * results are paired in order (the wire formats give each result after its call).
 */
export function toolExchanges(segments: readonly Segment[], counter: TokenCounter): ToolExchange[] {
  const calls: ToolExchange[] = [];
  const open = new Map<string, ToolExchange[]>();
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    if (s.component === "tool calls" && s.label && s.text === s.label) {
      const input = segments[i + 1]?.component === "tool calls" && segments[i + 1].label === s.label
        ? segments[++i].text ?? ""
        : "";
      const exchange: ToolExchange = {
        name: s.label,
        input,
        message: s.message ?? null,
        result: "",
        resultTokens: 0,
        callTokens: counter.count(s.label) + counter.count(input),
        error: false,
      };
      calls.push(exchange);
      open.set(s.label, [...(open.get(s.label) ?? []), exchange]);
    } else if (s.component === "tool results" && s.label && s.text !== undefined) {
      const waiting = open.get(s.label);
      const exchange = waiting?.[0];
      if (!exchange) continue;
      // A result of several parts belongs to one call: parts of one message stay together.
      exchange.result += s.text;
      exchange.resultTokens += s.tokens ?? counter.count(s.text);
      exchange.error = ERROR.test(exchange.result);
      const next = segments[i + 1];
      if (
        !(next?.component === "tool results" && next.label === s.label &&
          next.message === s.message)
      ) {
        waiting.shift();
      }
    }
  }
  return calls;
}

/** What a read was of: the file path or URL in its input, else the input itself. */
function target(input: string): string {
  try {
    const args = JSON.parse(input);
    const value = args?.file_path ?? args?.path ?? args?.url ?? args?.uri ?? args?.notebook_path;
    if (typeof value === "string") return value;
  } catch {
    // not JSON
  }
  return input.length > 80 ? input.slice(0, 79) + "…" : input;
}

const n = (x: number) => Math.round(x).toLocaleString("en");

/**
 * The agent findings of one call. `rate` is the call's average input price per token
 * (null when unpriced); the caller caps the claims at what the call paid.
 */
export function agentFindings(
  segments: readonly Segment[],
  counter: TokenCounter,
  call: { promptTokens: number; model: string | null; rate: number | null; scale?: number },
): Finding[] {
  const findings: Finding[] = [];
  const scale = call.scale ?? 1;
  const usd = (tokens: number) => call.rate === null ? null : tokens * call.rate;
  const exchanges = toolExchanges(segments, counter);

  const largest = exchanges.reduce<ToolExchange | null>(
    (best, e) => e.resultTokens > (best?.resultTokens ?? 0) ? e : best,
    null,
  );
  if (largest) {
    const tokens = Math.round(largest.resultTokens * scale);
    if (tokens >= 10_000 || (tokens >= 2_000 && tokens >= 0.25 * call.promptTokens)) {
      findings.push({
        kind: "large_tool_result",
        tokens,
        usd: usd(tokens),
        detail: `one ${largest.name} result (${target(largest.input)}${
          largest.message === null ? "" : `, message ${largest.message}`
        }) is ${n(tokens)} tokens, ${
          Math.round((tokens / Math.max(call.promptTokens, 1)) * 100)
        }% of the context, and rides every later turn: limit or summarise what the tool returns`,
      });
    }
  }

  const seen = new Map<string, ToolExchange>();
  const repeats = new Map<string, { first: ToolExchange; again: ToolExchange[] }>();
  for (const e of exchanges) {
    // Only a repeat that came back the same is waste: a test run again after an edit, or a
    // file read again after it changed, is new information.
    if (e.error || e.result === "") continue;
    const key = `${e.name}\u0000${e.input}\u0000${e.result}`;
    const first = seen.get(key);
    if (!first) {
      seen.set(key, e);
      continue;
    }
    const entry = repeats.get(key) ?? { first, again: [] };
    entry.again.push(e);
    repeats.set(key, entry);
  }
  for (const { first, again } of repeats.values()) {
    const reader = READERS.test(first.name);
    const tokens = Math.round(
      again.reduce((t, e) => t + e.resultTokens + (reader ? 0 : e.callTokens), 0) * scale,
    );
    if (tokens <= 0) continue;
    findings.push(
      reader
        ? {
          kind: "reread",
          tokens,
          usd: usd(tokens),
          detail:
            `${first.name} read ${target(first.input)} ${
              again.length + 1
            } times while the earlier ` +
            `result was still in context; the ${
              again.length === 1 ? "copy costs" : "copies cost"
            } ${n(tokens)} tokens a turn`,
        }
        : {
          kind: "repeated_tool_call",
          tokens,
          usd: usd(tokens),
          detail: `the same ${first.name} call (${target(first.input)}) was made ${
            again.length + 1
          } times; the repeats cost ${n(tokens)} tokens a turn`,
        },
    );
  }

  // A tool error retried in a loop: three or more failed calls of one tool in a row.
  let streak: ToolExchange[] = [];
  const flush = () => {
    if (streak.length >= 3) {
      const tokens = Math.round(
        streak.reduce((t, e) => t + e.resultTokens + e.callTokens, 0) * scale,
      );
      findings.push({
        kind: "tool_error_loop",
        tokens,
        usd: usd(tokens),
        detail: `${streak[0].name} failed ${streak.length} times in a row (${
          streak[0].result.trim().slice(0, 80)
        }); the failed attempts cost ${n(tokens)} tokens a turn: fix the cause or stop retrying`,
      });
    }
    streak = [];
  };
  for (const e of exchanges) {
    if (e.error && (streak.length === 0 || streak[0].name === e.name)) streak.push(e);
    else {
      flush();
      if (e.error) streak.push(e);
    }
  }
  flush();

  const window = contextWindow(call.model);
  if (window !== null && call.promptTokens > 0.8 * window) {
    findings.push({
      kind: "context_window",
      tokens: call.promptTokens,
      usd: null,
      detail: `the context is ${n(call.promptTokens)} tokens, ${
        Math.round((call.promptTokens / window) * 100)
      }% of ${call.model}'s ${n(window)}-token window: expect compaction or truncation soon`,
    });
  }
  return findings;
}
