import { formatBytes } from "../core/bytes.ts";
import CostChart from "../islands/CostChart.tsx";
import { percent, tokens, usd } from "../reports/format.ts";
import type { AppContext } from "./context.ts";
import { PROJECTION_WINDOW_DAYS, summaryData } from "./api/summary.ts";
import { Island, Layout } from "./_island.tsx";

function delta(today: number, yesterday: number): string {
  if (yesterday === 0) return today === 0 ? "same as yesterday" : "none yesterday";
  const change = (today - yesterday) / yesterday;
  return `${change >= 0 ? "+" : ""}${percent(change)} on yesterday`;
}

/** The trends page: reclaimable spend, cost per day, today against yesterday, models, routes, the projection. */
export async function trendsPage(ctx: AppContext) {
  const [data, size] = await Promise.all([summaryData(ctx, 14), ctx.store.stats()]);
  const today = data.daily[data.daily.length - 1];
  const yesterday = data.daily[data.daily.length - 2];
  return (
    <Layout title="Trends" active="trends">
      <h1>Trends</h1>
      <div class="banner" data-reclaimable>
        <strong>{usd(data.reclaimable.monthly_usd)} a month reclaimable</strong>{" "}
        ({percent(data.reclaimable.share_of_spend)} of spend), from the findings of{" "}
        {tokens(data.reclaimable.basis_calls)} calls.
      </div>
      <div class="cards">
        <div class="card" data-store-size>
          <div class="label">store</div>
          <div class="value">{formatBytes(size.bytes)}</div>
          <div class="delta">{tokens(size.calls)} calls kept</div>
        </div>
        <div class="card">
          <div class="label">cost today</div>
          <div class="value">{usd(today.cost_usd)}</div>
          <div class="delta">{delta(today.cost_usd, yesterday.cost_usd)}</div>
        </div>
        <div class="card">
          <div class="label">calls today</div>
          <div class="value">{tokens(today.calls)}</div>
          <div class="delta">{delta(today.calls, yesterday.calls)}</div>
        </div>
        <div class="card">
          <div class="label">tokens today</div>
          <div class="value">{tokens(today.tokens)}</div>
          <div class="delta">{delta(today.tokens, yesterday.tokens)}</div>
        </div>
        <div class="card" data-projection>
          <div class="label">projected per month</div>
          <div class="value">{usd(data.projection.monthly_usd)}</div>
          <div class="delta">
            from {tokens(data.projection.basis_calls)} calls over {data.projection.basis_days}{" "}
            days (trailing {PROJECTION_WINDOW_DAYS} days)
          </div>
        </div>
      </div>
      <h2>Cost per day, last 14 days</h2>
      <Island name="CostChart" component={CostChart} props={{ daily: data.daily }} />
      <h2>By model</h2>
      <table>
        <thead>
          <tr>
            <th>model</th>
            <th class="num">calls</th>
            <th class="num">input tokens</th>
            <th class="num">output tokens</th>
            <th class="num">cost</th>
          </tr>
        </thead>
        <tbody>
          {data.by_model.map((m) => (
            <tr>
              <td>{m.model}</td>
              <td class="num">{tokens(m.calls)}</td>
              <td class="num">{tokens(m.input_tokens)}</td>
              <td class="num">{tokens(m.output_tokens)}</td>
              <td class="num">{usd(m.cost_usd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Routes by cost</h2>
      <p class="muted">
        A route is a call's reusable shape: the start of its system prompt plus its set of tools.
      </p>
      <table data-routes>
        <thead>
          <tr>
            <th>route</th>
            <th class="num">calls</th>
            <th class="num">input tokens</th>
            <th class="num">cost</th>
          </tr>
        </thead>
        <tbody>
          {data.routes.map((r) => (
            <tr>
              <td>{r.label}</td>
              <td class="num">{tokens(r.calls)}</td>
              <td class="num">{tokens(r.input_tokens)}</td>
              <td class="num">{usd(r.cost_usd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Layout>
  );
}
