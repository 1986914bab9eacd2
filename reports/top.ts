/**
 * The pprof-style summary of a set of calls (one launch, or one run with its subagents):
 * totals, runs as agents see them, the top components and tools by tokens and dollars,
 * and the biggest findings. `llmprof run` prints it when the child exits; `llmprof top`
 * prints it for any stored run.
 * @module
 */
import type { CallRecord, ComponentName, Finding } from "../core/record.ts";
import { tokens as fmtTokens, usd } from "./format.ts";

/** Tokens and dollars of one row of a top list. */
export interface TopRow {
  name: string;
  tokens: number;
  usd: number;
  /** For a tool or agent part: the component it sits in. */
  component?: ComponentName;
}

/** One run of the summary, with what its subagents added. */
export interface TopRun {
  id: string;
  name: string | null;
  parent_run: string | null;
  parent_turn: number | null;
  calls: number;
  turns: number;
  input_tokens: number;
  output_tokens: number;
  /** The run's own calls. */
  cost_usd: number;
  /** Its own calls and those of every run it spawned, at any depth. */
  total_usd: number;
}

/** A finding of the summary, with the call it was found in. */
export interface TopFinding extends Finding {
  call_id: string;
}

/** The summary as data: what `--json` prints. */
export interface TopReport {
  calls: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cost_usd: number;
  /** Calls with no price for their model. */
  unpriced: number;
  runs: TopRun[];
  components: TopRow[];
  tools: TopRow[];
  /** Agent parts (system reminders, memory files, skills, MCP servers, built-in tools). */
  agent_parts: TopRow[];
  findings: TopFinding[];
}

/** Components whose children are tools. */
const TOOL_COMPONENTS: ReadonlySet<string> = new Set([
  "tool schemas",
  "tool calls",
  "tool results",
]);

function add(map: Map<string, TopRow>, row: TopRow): void {
  const seen = map.get(row.name);
  if (seen) {
    seen.tokens += row.tokens;
    seen.usd += row.usd;
  } else map.set(row.name, { ...row });
}

function ranked(map: Map<string, TopRow>, limit: number): TopRow[] {
  return [...map.values()].filter((r) => r.tokens > 0)
    .sort((a, b) => b.usd - a.usd || b.tokens - a.tokens).slice(0, limit);
}

/** The summary of a set of calls. */
export function topReport(
  records: readonly CallRecord[],
  options: { limit?: number } = {},
): TopReport {
  const limit = options.limit ?? 8;
  const components = new Map<string, TopRow>();
  const tools = new Map<string, TopRow>();
  const agentParts = new Map<string, TopRow>();
  const runs = new Map<string, TopRun>();
  const findings: TopFinding[] = [];
  const report: TopReport = {
    calls: records.length,
    input_tokens: 0,
    output_tokens: 0,
    cache_read_tokens: 0,
    cost_usd: 0,
    unpriced: 0,
    runs: [],
    components: [],
    tools: [],
    agent_parts: [],
    findings: [],
  };
  for (const r of records) {
    report.input_tokens += r.usage?.input_tokens ?? 0;
    report.output_tokens += r.usage?.output_tokens ?? 0;
    report.cache_read_tokens += r.usage?.cache_read_tokens ?? 0;
    report.cost_usd += r.cost?.total_usd ?? 0;
    if (r.usage && r.cost && !r.cost.priced) report.unpriced++;
    for (const c of r.attribution?.components ?? []) {
      add(components, { name: c.name, tokens: c.tokens, usd: c.cost_usd ?? 0 });
    }
    for (const frame of r.attribution?.tree.children ?? []) {
      const component = r.attribution!.components.find((c) => c.name === frame.name);
      const rate = component && component.tokens > 0
        ? (component.cost_usd ?? 0) / component.tokens
        : 0;
      for (const child of frame.children) {
        const row = {
          name: child.name,
          tokens: child.tokens,
          usd: child.tokens * rate,
          component: frame.name as ComponentName,
        };
        if (child.children.length > 0 || !TOOL_COMPONENTS.has(frame.name)) add(agentParts, row);
        const leaves = child.children.length > 0 ? child.children : [child];
        if (TOOL_COMPONENTS.has(frame.name)) {
          for (const leaf of leaves) {
            add(tools, { ...row, name: leaf.name, tokens: leaf.tokens, usd: leaf.tokens * rate });
          }
        }
      }
    }
    for (const f of r.findings) findings.push({ ...f, call_id: r.id });
    if (r.session) {
      const run = runs.get(r.session.id) ?? {
        id: r.session.id,
        name: null,
        parent_run: null,
        parent_turn: null,
        calls: 0,
        turns: 0,
        input_tokens: 0,
        output_tokens: 0,
        cost_usd: 0,
        total_usd: 0,
      };
      run.name ??= r.session.name ?? null;
      run.parent_run ??= r.session.parent_run ?? null;
      run.parent_turn ??= r.session.parent_turn ?? null;
      run.calls++;
      run.turns = Math.max(run.turns, r.session.turn);
      run.input_tokens += r.usage?.input_tokens ?? 0;
      run.output_tokens += r.usage?.output_tokens ?? 0;
      run.cost_usd += r.cost?.total_usd ?? 0;
      runs.set(run.id, run);
    }
  }
  for (const run of runs.values()) {
    // Each run's cost counts toward every ancestor present in the set.
    let at: TopRun | undefined = run;
    const seen = new Set<string>();
    while (at && !seen.has(at.id)) {
      at.total_usd += run.cost_usd;
      seen.add(at.id);
      at = at.parent_run ? runs.get(at.parent_run) : undefined;
    }
  }
  report.runs = orderRuns([...runs.values()]);
  report.components = ranked(components, limit);
  report.tools = ranked(tools, limit);
  report.agent_parts = ranked(agentParts, limit);
  report.findings = findings.filter((f) => f.usd !== null || f.tokens > 0)
    .sort((a, b) => (b.usd ?? 0) - (a.usd ?? 0) || b.tokens - a.tokens).slice(0, 5);
  return report;
}

/** Runs in tree order: each root by its first appearance, its subagents right after it. */
function orderRuns(runs: TopRun[]): TopRun[] {
  const ids = new Set(runs.map((r) => r.id));
  const kids = new Map<string, TopRun[]>();
  const roots: TopRun[] = [];
  for (const run of runs) {
    if (run.parent_run && ids.has(run.parent_run) && run.parent_run !== run.id) {
      kids.set(run.parent_run, [...(kids.get(run.parent_run) ?? []), run]);
    } else roots.push(run);
  }
  const out: TopRun[] = [];
  const visit = (run: TopRun) => {
    if (out.includes(run)) return;
    out.push(run);
    for (const kid of kids.get(run.id) ?? []) visit(kid);
  };
  roots.forEach(visit);
  return out;
}

/** The depth of a run in the summary's tree (0 for a root). */
function depthOf(run: TopRun, runs: readonly TopRun[]): number {
  let depth = 0;
  let at: TopRun | undefined = run;
  while (at?.parent_run && depth < 10) {
    at = runs.find((r) => r.id === at!.parent_run);
    if (!at) break;
    depth++;
  }
  return depth;
}

function share(part: number, whole: number): string {
  return whole > 0 ? `${((part / whole) * 100).toFixed(1)}%` : "—";
}

function table(
  title: string,
  rows: readonly TopRow[],
  totals: { tokens: number; usd: number },
): string[] {
  if (rows.length === 0) return [];
  const lines = [
    "",
    `${"tokens".padStart(10)} ${"tok%".padStart(6)} ${"cost".padStart(10)} ${
      "cost%".padStart(6)
    }  ${title}`,
  ];
  for (const r of rows) {
    lines.push(
      `${fmtTokens(r.tokens).padStart(10)} ${share(r.tokens, totals.tokens).padStart(6)} ${
        usd(r.usd).padStart(10)
      } ${share(r.usd, totals.usd).padStart(6)}  ${r.name}${
        r.component && title !== "component" ? `  (${r.component})` : ""
      }`,
    );
  }
  return lines;
}

/** The summary as text, pprof style; `dashboard` is the base URL of llmprof's pages. */
export function formatTop(report: TopReport, options: { dashboard?: string } = {}): string {
  const promptUsd = report.components.reduce((n, c) => n + c.usd, 0);
  const totals = { tokens: report.input_tokens, usd: promptUsd };
  const lines = [
    `llmprof: ${report.calls} calls in ${report.runs.length} runs · ${
      fmtTokens(report.input_tokens)
    } prompt tokens (${fmtTokens(report.cache_read_tokens)} cached) · ${
      fmtTokens(report.output_tokens)
    } output tokens · ${usd(report.cost_usd)}${
      report.unpriced ? ` (${report.unpriced} calls unpriced)` : ""
    }`,
  ];
  if (report.runs.length > 0) {
    lines.push(
      "",
      `${"calls".padStart(6)} ${"cost".padStart(10)} ${"with subagents".padStart(14)}  run`,
    );
    for (const run of report.runs) {
      const indent = "  ".repeat(depthOf(run, report.runs));
      const spawned = run.parent_run && run.parent_turn
        ? ` (spawned at turn ${run.parent_turn})`
        : "";
      lines.push(
        `${String(run.calls).padStart(6)} ${usd(run.cost_usd).padStart(10)} ${
          usd(run.total_usd).padStart(14)
        }  ${indent}${run.id}${run.name ? `  ${run.name}` : ""}${spawned}`,
      );
    }
  }
  lines.push(...table("component", report.components, totals));
  lines.push(...table("tool", report.tools, totals));
  lines.push(...table("agent part", report.agent_parts, totals));
  if (report.findings.length > 0) {
    lines.push("", "Biggest findings:");
    for (const f of report.findings) {
      lines.push(
        `  ${usd(f.usd).padStart(10)}  ${
          fmtTokens(f.tokens).padStart(8)
        } tokens  ${f.kind}: ${f.detail}  [call ${f.call_id}]`,
      );
    }
  }
  if (options.dashboard) {
    const root = report.runs[0];
    lines.push(
      "",
      `Dashboard: ${options.dashboard}/runs${root ? `?id=${encodeURIComponent(root.id)}` : ""}`,
    );
  }
  return lines.join("\n");
}
