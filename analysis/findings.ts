import { countSegments } from "./attribute.ts";
import type { Attribution, ComponentName, Cost, Finding, Usage } from "../core/record.ts";
import type { Segment } from "../formats/segment.ts";
import type { TokenCounter } from "./tokenizer.ts";
import { agentFindings } from "./agent_findings.ts";

/** Blocks shorter than this are not worth calling duplicates. */
const MIN_DUPLICATE_CHARS = 200;

function share(attribution: Attribution, names: string[]): number {
  const total = attribution.components.reduce((n, c) => n + c.tokens, 0);
  const part = attribution.components.filter((c) => names.includes(c.name)).reduce(
    (n, c) => n + c.tokens,
    0,
  );
  return total > 0 ? part / total : 0;
}

function tokensOf(attribution: Attribution, name: string): number {
  return attribution.components.find((c) => c.name === name)?.tokens ?? 0;
}

/**
 * What one call's context says could be cut: duplicated blocks (the extra copies'
 * tokens, priced at the call's own average input rate, never more than it paid), and
 * advisories with no dollar claim. Findings across calls come later (see cross_call.ts).
 */
export function callFindings(
  segments: readonly Segment[],
  counter: TokenCounter,
  call: { attribution: Attribution; usage: Usage; cost: Cost | null; model?: string | null },
): Finding[] {
  const findings: Finding[] = [];
  const { attribution, usage, cost } = call;
  // A block's tokens follow its component through reconciliation: scaled when the component
  // was scaled (approximate counts, or an exact count the report fell short of), else as counted.
  const counted = countSegments(segments, counter).components;
  const fitted = new Map(attribution.components.map((c) => [c.name, c.tokens]));
  const scaleOf = (component: ComponentName) => {
    const have = counted.get(component) ?? 0;
    return have > 0 ? (fitted.get(component) ?? have) / have : 1;
  };
  const rate = cost?.input_usd != null && usage.input_tokens > 0
    ? cost.input_usd / usage.input_tokens
    : null;

  const seen = new Map<string, { count: number; segment: Segment }>();
  for (const segment of segments) {
    if (!segment.text || segment.text.length < MIN_DUPLICATE_CHARS) continue;
    const entry = seen.get(segment.text);
    if (entry) entry.count++;
    else seen.set(segment.text, { count: 1, segment });
  }
  const duplicates = [...seen.values()].filter((e) => e.count > 1)
    .map((e) => ({
      ...e,
      extra: Math.round(
        (e.count - 1) * counter.count(e.segment.text!) * scaleOf(e.segment.component),
      ),
    }))
    .sort((a, b) => b.extra - a.extra);
  for (const d of duplicates.slice(0, 5)) {
    const what = d.segment.label
      ? `${d.segment.component} (${d.segment.label})`
      : d.segment.component;
    findings.push({
      kind: "duplicated_content",
      tokens: d.extra,
      usd: rate === null ? null : d.extra * rate,
      detail:
        `the same ${
          d.segment.text!.length.toLocaleString("en")
        }-character block of ${what} appears ${d.count} times; ` +
        `the ${d.count - 1} extra ${d.count === 2 ? "copy costs" : "copies cost"} ${
          d.extra.toLocaleString("en")
        } tokens`,
    });
  }

  const prompt = usage.input_tokens;
  const schemas = tokensOf(attribution, "tool schemas");
  if (schemas >= 2_000 && share(attribution, ["tool schemas"]) >= 0.3) {
    findings.push({
      kind: "advisory",
      tokens: schemas,
      usd: null,
      detail: `tool schemas are ${
        Math.round(share(attribution, ["tool schemas"]) * 100)
      }% of the context (${
        schemas.toLocaleString("en")
      } tokens): ship only the tools this step needs`,
    });
  }
  const conversation = share(attribution, ["history (assistant)", "tool calls", "tool results"]);
  if (prompt >= 20_000 && conversation >= 0.7) {
    findings.push({
      kind: "advisory",
      tokens: Math.round(conversation * prompt),
      usd: null,
      detail: `history and tool results are ${
        Math.round(conversation * 100)
      }% of the context: summarise or trim earlier turns`,
    });
  }
  const system = tokensOf(attribution, "system prompt");
  if (system >= 8_000) {
    findings.push({
      kind: "advisory",
      tokens: system,
      usd: null,
      detail: `a ${
        system.toLocaleString("en")
      }-token system prompt rides every call: cache it or cut it down`,
    });
  }
  findings.push(...agentFindings(segments, counter, {
    promptTokens: prompt,
    model: call.model ?? null,
    rate,
    scale: scaleOf("tool results"),
  }));
  return capClaims(findings, cost?.input_usd ?? null);
}

/**
 * Findings whose dollar claims together never exceed what the call paid for its prompt:
 * each claim, in order, gets at most what is left.
 */
export function capClaims(findings: readonly Finding[], paid: number | null): Finding[] {
  if (paid === null) return [...findings];
  let left = paid;
  return findings.map((f) => {
    if (f.usd === null) return f;
    const usd = Math.min(f.usd, Math.max(0, left));
    left -= usd;
    return usd === f.usd ? f : { ...f, usd };
  });
}
