import { callDiff } from "../../reports/turn_diffs.ts";
import type { TurnDiff } from "../../correlate/turn_diff.ts";
import type { CallRecord, Finding } from "../../core/record.ts";
import { formatOf, type Json, type ShownMessage } from "../../formats/mod.ts";
import FlameGraph from "../../islands/FlameGraph.tsx";
import { ms, percent, signedTokens, tokens, usd } from "../../reports/format.ts";
import type { AppContext } from "../context.ts";
import { ComponentLegend, Island, Layout } from "../_island.tsx";
import { LOCAL_PREFIX } from "../../core/paths.ts";
import { ExportLinks } from "../_export_links.tsx";

/** The request's system prompt and messages as text, in its API's own terms. */
export function requestMessages(api: string, request: string | null): ShownMessage[] {
  if (!request) return [];
  let body: unknown;
  try {
    body = JSON.parse(request);
  } catch {
    return [{ role: "raw request", parts: [request.slice(0, 20_000)] }];
  }
  const format = formatOf(api);
  if (format === null || typeof body !== "object" || body === null || Array.isArray(body)) {
    return [];
  }
  return format.shownMessages(body as Json);
}

const KINDS: Record<Finding["kind"], string> = {
  duplicated_content: "Duplicated content",
  uncached_prefix: "Uncached prefix",
  unused_tools: "Unused tools",
  cache_break: "Cache break",
  advisory: "Advice",
  compaction: "Compaction",
  context_window: "Context near the window",
  large_tool_result: "Large tool result",
  reread: "Read again",
  repeated_tool_call: "Repeated tool call",
  tool_error_loop: "Tool error loop",
};

function FindingItem({ finding: f }: { finding: Finding }) {
  const change = f.change;
  return (
    <li class={`finding ${f.kind}`}>
      <strong>{KINDS[f.kind]}</strong> · {tokens(f.tokens)} tokens
      {f.usd === null ? null : <>{" "}· {usd(f.usd)} a call</>}
      <div>{f.detail}</div>
      {change
        ? (
          <div class="change">
            <div class="muted">
              {change.message === null ? "" : `message ${change.message} · `}
              {change.component}
              {change.label ? ` (${change.label})` : ""} · character {change.offset}
            </div>
            <pre class="was">{change.before}</pre>
            <pre class="now">{change.after}</pre>
          </div>
        )
        : null}
    </li>
  );
}

function Card(props: { label: string; value: string; children?: unknown }) {
  return (
    <div class="card">
      <div class="label">{props.label}</div>
      <div class="value">{props.value}</div>
      {props.children}
    </div>
  );
}

/** What this turn added and removed against the previous turn of its run, per component and per block. */
function TurnChanges(props: { diff: TurnDiff }) {
  const { diff } = props;
  const sign = signedTokens;
  return (
    <>
      <h2>What this turn changed</h2>
      <p class="muted">
        Against the{" "}
        <a href={`${LOCAL_PREFIX}/calls/${encodeURIComponent(diff.previous_call_id)}`}>
          previous turn
        </a>: {sign(diff.added_tokens)} tokens in new blocks, {tokens(diff.removed_tokens)}{" "}
        in blocks gone.
      </p>
      {diff.components.length > 0
        ? (
          <table class="turn-diff">
            <thead>
              <tr>
                <th>component</th>
                <th class="num">before → now</th>
                <th class="num">change</th>
                <th class="num">cost</th>
              </tr>
            </thead>
            <tbody>
              {diff.components.map((c) => (
                <tr>
                  <td>{c.name}</td>
                  <td class="num">{tokens(c.before)} → {tokens(c.after)}</td>
                  <td class="num">{sign(c.delta)}</td>
                  <td class="num">{usd(c.cost_usd)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
        : null}
      {diff.blocks.length > 0
        ? (
          <ul class="turn-blocks">
            {diff.blocks.map((b) => (
              <li>
                <span class="role">{b.change}</span> {b.kind ?? "other"}
                {b.label ? ` (${b.label})` : ""}: {b.change === "changed"
                  ? `${tokens(b.tokens_before ?? 0)} → ${tokens(b.tokens)} tokens`
                  : `${tokens(b.tokens)} tokens`}
                {b.cost_usd === null ? "" : ` · ${usd(b.cost_usd)}`}
              </li>
            ))}
          </ul>
        )
        : <p class="muted">Every block repeats the previous turn's.</p>}
    </>
  );
}

/** The call view: header, flame graph, findings, the request's messages and the response. */
export async function callPage(id: string, ctx: AppContext) {
  const stored = await ctx.store.getCall(id);
  if (!stored) return null;
  const r: CallRecord = stored.record;
  // The price catalogue loads on the first call view, not at start-up.
  const { resolvePrice } = await import("../../pricing/resolve.ts");
  const price = r.model ? resolvePrice(r.model, { provider: r.provider }) : null;
  const prompt = r.usage?.input_tokens ?? 0;
  const window = price?.contextWindow ?? null;
  const costs = Object.fromEntries(
    (r.attribution?.components ?? []).map((c) => [c.name, c.cost_usd]),
  );
  const messages = requestMessages(r.api, stored.request);
  const diff = await callDiff(ctx.store, r);
  return (
    <Layout title={`${r.model ?? r.path} call`} active="calls">
      <h1>
        {r.model ?? r.path}{" "}
        <span class="muted">
          {r.api} · {r.status} · {new Date(r.created_at).toLocaleString("en")}
        </span>
      </h1>
      {r.error ? <div class="banner">{r.error}</div> : null}
      <div class="cards">
        <Card label="prompt tokens" value={tokens(prompt)} />
        <Card label="completion tokens" value={tokens(r.usage?.output_tokens)} />
        <Card label="cached tokens" value={tokens(r.usage?.cache_read_tokens)} />
        <Card label="cost" value={usd(r.cost?.total_usd)}>
          <div class="delta">
            {r.cost?.priced ? r.cost.price_source : "no price known for this model"}
          </div>
        </Card>
        <Card label="duration" value={ms(r.timings.duration_ms)}>
          <div class="delta">first byte {ms(r.timings.ttfb_ms)}</div>
        </Card>
        <Card
          label="context window"
          value={window ? `${percent(prompt / window)} of ${tokens(window)}` : "unknown"}
        >
          <span class="gauge">
            <span style={{ width: window ? `${Math.min(100, (prompt / window) * 100)}%` : "0%" }} />
          </span>
        </Card>
        <Card label="counts" value={r.attribution?.method ?? "—"}>
          <div class="delta">
            {r.attribution
              ? `${r.attribution.encoding}; counted ${tokens(r.attribution.counted_total)}${
                r.attribution.reported_total === null
                  ? ""
                  : `, reported ${tokens(r.attribution.reported_total)}`
              }`
              : ""}
          </div>
        </Card>
        {r.session
          ? (
            <Card label="run · turn" value={`${r.session.id.slice(-6)} · ${r.session.turn}`}>
              <div class="delta">
                <a href={`${LOCAL_PREFIX}/runs?id=${encodeURIComponent(r.session.id)}`}>
                  open the run
                </a>
                {r.session.retry_of ? " · retry" : ""}
                {r.session.fork ? " · branch" : ""}
              </div>
            </Card>
          )
          : null}
        <Card label="stored as" value={r.privacy ?? "—"}>
          <div class="delta">
            {r.privacy === "redact"
              ? "secrets replaced before storing"
              : r.privacy === "metadata"
              ? "no prompt or response text stored"
              : r.privacy === "full"
              ? "prompt and response as sent"
              : "not analysed yet"}
          </div>
        </Card>
      </div>
      {r.attribution
        ? (
          <>
            <h2>Where the prompt's tokens went</h2>
            <ComponentLegend />
            <Island
              name="FlameGraph"
              component={FlameGraph}
              props={{ tree: r.attribution.tree, costs }}
            />
            {r.attribution.mismatch
              ? (
                <div class="banner" data-mismatch>
                  <strong>Count and report disagree:</strong> {r.attribution.mismatch}.
                </div>
              )
              : null}
            <ExportLinks selection={{ call: r.id }} />
            {r.attribution.notes.length > 0
              ? <p class="muted" data-notes>Notes: {r.attribution.notes.join("; ")}</p>
              : null}
          </>
        )
        : <p class="muted">This call was not analysed.</p>}
      {diff ? <TurnChanges diff={diff} /> : null}
      <h2>Findings</h2>
      {r.findings.length === 0
        ? <p class="muted">Nothing to cut in this call.</p>
        : (
          <ul class="findings">
            {r.findings.map((f, i) => <FindingItem key={i} finding={f} />)}
          </ul>
        )}
      <h2>Request ({messages.length} messages)</h2>
      {messages.map((m, i) => (
        <details class="msg" open={i === messages.length - 1}>
          <summary>
            <span class="role">{m.role}</span>
            {m.parts.join(" ").slice(0, 120)}
          </summary>
          {m.parts.map((p, k) => <pre key={k}>{p}</pre>)}
        </details>
      ))}
      <h2>Response</h2>
      {r.response
        ? (
          <div>
            {r.response.thinking
              ? (
                <details class="msg">
                  <summary>thinking</summary>
                  <pre>{r.response.thinking}</pre>
                </details>
              )
              : null}
            {r.response.text ? <pre>{r.response.text}</pre> : null}
            {r.response.tool_calls.map((c, k) => (
              <pre key={c.id ?? k}>{`→ ${c.name}(${c.arguments})`}</pre>
            ))}
            <p class="muted">
              stop reason: {r.response.stop_reason ?? "—"}
              {r.response.complete ? "" : " · cut short"}
            </p>
          </div>
        )
        : <p class="muted">No response body was recorded.</p>}
    </Layout>
  );
}
