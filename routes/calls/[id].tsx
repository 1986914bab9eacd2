import { callDiff } from "../../reports/turn_diffs.ts";
import type { TurnDiff } from "../../correlate/turn_diff.ts";
import type { CallRecord, Finding } from "../../core/record.ts";
import { formatOf, type Json, type ShownMessage } from "../../formats/mod.ts";
import PromptViews from "../../islands/PromptViews.tsx";
import CopyCurl from "../../islands/CopyCurl.tsx";
import { ms, percent, signedTokens, signedUsd, tokens, usd } from "../../reports/format.ts";
import type { AppContext } from "../context.ts";
import { ComponentLegend, Island, Layout, Scroll } from "../_island.tsx";
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

/** What this turn added and removed against the previous turn of its run, per component and per block, in tokens and dollars. */
function TurnChanges(props: { diff: TurnDiff; callId: string }) {
  const { diff } = props;
  const priced = diff.blocks.some((b) => b.cost_usd !== null) ||
    diff.components.some((c) => c.cost_usd !== null);
  const sum = (xs: Array<number | null>) =>
    xs.some((x) => x !== null) ? xs.reduce((n: number, x) => n + (x ?? 0), 0) : null;
  const added = sum(diff.blocks.filter((b) => b.change !== "removed").map((b) => b.cost_usd));
  const net = sum(diff.components.map((c) => c.cost_usd));
  const previous = `${LOCAL_PREFIX}/calls/${encodeURIComponent(diff.previous_call_id)}`;
  const blocks = [...diff.blocks].sort((x, y) => y.tokens - x.tokens);
  return (
    <section class="turn-changes" data-turn-diff>
      <h2>What this turn changed</h2>
      <p>
        Against the <a href={previous}>previous turn</a> (<a
          href={`${LOCAL_PREFIX}/compare?a=${encodeURIComponent(diff.previous_call_id)}&b=${
            encodeURIComponent(props.callId)
          }`}
          data-compare-previous
        >
          compare side by side
        </a>):{" "}
        <strong data-diff-added>
          {signedTokens(diff.added_tokens)} tokens in new blocks
          {added === null ? "" : ` (${signedUsd(added)})`}
        </strong>, {tokens(diff.removed_tokens)} tokens in blocks gone
        {net === null ? "" : <>; the prompt's cost changed by {signedUsd(net)}</>}.
        {priced ? null : <span class="muted">(no price is known for this model)</span>}
      </p>
      {diff.components.length > 0
        ? (
          <Scroll label="Changes per component">
            <table class="turn-diff">
              <caption>Per component</caption>
              <thead>
                <tr>
                  <th scope="col">component</th>
                  <th scope="col" class="num">before → now</th>
                  <th scope="col" class="num">change</th>
                  <th scope="col" class="num">cost of the change</th>
                </tr>
              </thead>
              <tbody>
                {diff.components.map((c) => (
                  <tr>
                    <td>{c.name}</td>
                    <td class="num">{tokens(c.before)} → {tokens(c.after)}</td>
                    <td class="num">{signedTokens(c.delta)}</td>
                    <td class="num">{signedUsd(c.cost_usd)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Scroll>
        )
        : null}
      {blocks.length > 0
        ? (
          <Scroll label="Changes per block">
            <table class="turn-blocks">
              <caption>Per block</caption>
              <thead>
                <tr>
                  <th scope="col">change</th>
                  <th scope="col">block</th>
                  <th scope="col" class="num">tokens</th>
                  <th scope="col" class="num">cost</th>
                </tr>
              </thead>
              <tbody>
                {blocks.map((b) => (
                  <tr class={`block-${b.change}`} data-block-change={b.change}>
                    <td>{b.change}</td>
                    <td>
                      {b.kind ?? "other"}
                      {b.label ? ` (${b.label})` : ""}
                    </td>
                    <td class="num">
                      {b.change === "changed"
                        ? `${tokens(b.tokens_before ?? 0)} → ${tokens(b.tokens)}`
                        : b.change === "removed"
                        ? signedTokens(-b.tokens)
                        : signedTokens(b.tokens)}
                    </td>
                    <td class="num">{signedUsd(b.cost_usd)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Scroll>
        )
        : <p class="muted">Every block repeats the previous turn's.</p>}
    </section>
  );
}

/** The stored request as a curl command and a JSON download; the key is always a placeholder. */
function RequestActions(props: { record: CallRecord; hasRequest: boolean }) {
  const { record: r } = props;
  if (!props.hasRequest) {
    return (
      <p class="muted" data-request-actions>
        No request text was stored for this call (privacy{" "}
        {r.privacy ?? "unknown"}), so there is nothing to copy or download.
      </p>
    );
  }
  const requestUrl = `${LOCAL_PREFIX}/api/calls/${encodeURIComponent(r.id)}/request`;
  return (
    <div class="request-actions" data-request-actions>
      <a class="button" href={requestUrl} download data-download-request>
        Download request as JSON
      </a>
      <Island
        name="CopyCurl"
        component={CopyCurl}
        props={{ requestUrl, provider: r.provider, path: r.path }}
      />
    </div>
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
              name="PromptViews"
              component={PromptViews}
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
      {diff ? <TurnChanges diff={diff} callId={r.id} /> : null}
      <h2>Findings</h2>
      {r.findings.length === 0
        ? <p class="muted">Nothing to cut in this call.</p>
        : (
          <ul class="findings">
            {r.findings.map((f, i) => <FindingItem key={i} finding={f} />)}
          </ul>
        )}
      <h2>Request ({messages.length} messages)</h2>
      <RequestActions record={r} hasRequest={stored.request !== null} />
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
