import { formatBytes } from "../core/bytes.ts";
import CostChart from "../islands/CostChart.tsx";
import { projectionText, reclaimableText, tokens, usd } from "../reports/format.ts";
import type { AppContext } from "./context.ts";
import { PROJECTION_WINDOW_DAYS, summaryData } from "./api/summary.ts";
import { Island, Layout, Scroll } from "./_island.tsx";

/**
 * Yesterday's whole-day figure beside today's: a percentage of a day still under way
 * against a whole day would read as a fall every morning.
 */
function delta(yesterday: string): string {
  return `yesterday, whole day: ${yesterday}`;
}

/** The trends page: reclaimable spend, cost per day, today against yesterday, models, routes, the projection. */
export async function trendsPage(ctx: AppContext) {
  const [data, size] = await Promise.all([summaryData(ctx, 14), ctx.store.stats()]);
  const today = data.daily[data.daily.length - 1];
  const yesterday = data.daily[data.daily.length - 2];
  return (
    <Layout title="Trends" active="trends">
      <h1>Trends</h1>
      <div class="banner" data-reclaimable data-status={data.reclaimable.status}>
        {reclaimableText(data.reclaimable)}.
      </div>
      <div class="cards">
        <div class="card" data-store-size>
          <div class="label">store</div>
          <div class="value">{formatBytes(size.bytes)}</div>
          <div class="delta">{tokens(size.calls)} calls kept</div>
        </div>
        <div class="card">
          <div class="label">cost today so far</div>
          <div class="value">{usd(today.cost_usd)}</div>
          <div class="delta">{delta(usd(yesterday.cost_usd))}</div>
        </div>
        <div class="card">
          <div class="label">calls today so far</div>
          <div class="value">{tokens(today.calls)}</div>
          <div class="delta">{delta(tokens(yesterday.calls))}</div>
        </div>
        <div class="card">
          <div class="label">tokens today so far</div>
          <div class="value">{tokens(today.tokens)}</div>
          <div class="delta">{delta(tokens(yesterday.tokens))}</div>
        </div>
        <div class="card" data-projection data-status={data.projection.status}>
          <div class="label">
            {data.projection.status === "projected" ? "projected per month" : "spent so far"}
          </div>
          <div class="value">
            {usd(
              data.projection.status === "projected"
                ? data.projection.monthly_usd
                : data.projection.spent_usd,
            )}
          </div>
          <div class="delta">{projectionText(data.projection, PROJECTION_WINDOW_DAYS)}</div>
        </div>
      </div>
      <h2>Cost per day, last 14 days</h2>
      <Island name="CostChart" component={CostChart} props={{ daily: data.daily }} />
      <h2>By model</h2>
      <Scroll label="Cost by model">
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
      </Scroll>
      <h2>Routes by cost</h2>
      <p class="muted">
        A route is a call's reusable shape: the start of its system prompt plus its set of tools.
      </p>
      <Scroll label="Routes by cost">
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
      </Scroll>
    </Layout>
  );
}
