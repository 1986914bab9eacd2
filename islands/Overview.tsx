import { useEffect, useState } from "preact/hooks";
import type { Overview as OverviewData } from "../reports/overview.ts";
import { COMPONENT_COLORS, percent, projectionText, tokens, usd } from "../reports/format.ts";
import { LOCAL_PREFIX } from "../core/paths.ts";
import { coalesced, onStoredCall } from "./live.ts";

/** What the overview starts with: the server's data. */
export interface OverviewProps {
  data: OverviewData;
}

/** A run's context growth as a small line: prompt tokens turn by turn. */
export function Sparkline(props: { values: readonly number[]; label: string }) {
  const w = 120, h = 28;
  const max = Math.max(1, ...props.values);
  const n = props.values.length;
  const points = props.values.map((v, i) =>
    `${n === 1 ? w / 2 : ((i / (n - 1)) * (w - 2) + 1).toFixed(1)},${
      (h - 1 - (v / max) * (h - 2)).toFixed(1)
    }`
  ).join(" ");
  return (
    <svg
      class="spark"
      width={w}
      height={h}
      viewBox={`0 0 ${w} ${h}`}
      role="img"
      aria-label={props.label}
    >
      <title>{props.label}</title>
      {n === 1
        ? (
          <circle
            cx={w / 2}
            cy={h - 1 - (props.values[0] / max) * (h - 2)}
            r="2"
            fill="currentColor"
          />
        )
        : <polyline points={points} fill="none" stroke="currentColor" stroke-width="1.5" />}
    </svg>
  );
}

/** The landing page: spend and its projection, the findings worth most, the biggest runs, component shares. */
export default function Overview(props: OverviewProps) {
  const [data, setData] = useState(props.data);
  useEffect(() => {
    const load = coalesced(async () => {
      const response = await fetch(`${LOCAL_PREFIX}/api/overview`);
      if (response.ok) setData(await response.json());
    });
    return onStoredCall(load);
  }, []);
  const p = data.projection;
  return (
    <div class="overview" data-overview data-calls={data.week.calls}>
      <section class="cards" aria-label="Spend">
        <div class="card" data-today>
          <div class="label">spent today (UTC)</div>
          <div class="value">{usd(data.today.cost_usd)}</div>
          <div class="delta">{tokens(data.today.calls)} calls</div>
        </div>
        <div class="card" data-week>
          <div class="label">spent in the last {data.window_days} days</div>
          <div class="value">{usd(data.week.cost_usd)}</div>
          <div class="delta">{tokens(data.week.calls)} calls</div>
        </div>
        <div class="card" data-projection data-status={p.status}>
          <div class="label">
            {p.status === "projected" ? "projected per month" : "no projection yet"}
          </div>
          <div class="value">{p.status === "projected" ? usd(p.monthly_usd) : "—"}</div>
          <div class="delta">{projectionText(p, data.window_days)}</div>
        </div>
        <div class="card" data-reclaimable-card>
          <div class="label">
            {data.reclaimable.status === "projected"
              ? "reclaimable per month"
              : "reclaimable so far"}
          </div>
          <div class="value">
            {usd(
              data.reclaimable.status === "projected"
                ? data.reclaimable.monthly_usd
                : data.reclaimable.so_far_usd,
            )}
          </div>
          <div class="delta">{percent(data.reclaimable.share_of_spend)} of spend</div>
        </div>
      </section>

      <section aria-labelledby="top-findings">
        <h2 id="top-findings">Top findings</h2>
        {data.findings.length === 0
          ? (
            <p class="muted">
              No finding with a dollar saving in the last {data.window_days} days.
            </p>
          )
          : (
            <table data-findings>
              <thead>
                <tr>
                  <th scope="col">finding</th>
                  <th scope="col" class="num">calls</th>
                  <th scope="col" class="num">
                    {p.status === "projected" ? "per month" : "so far"}
                  </th>
                  <th scope="col">call</th>
                </tr>
              </thead>
              <tbody>
                {data.findings.map((f) => (
                  <tr>
                    <td>
                      <b>{f.kind.replaceAll("_", " ")}</b> <span class="muted">{f.detail}</span>
                    </td>
                    <td class="num">{tokens(f.calls)}</td>
                    <td class="num">{usd(f.monthly_usd ?? f.so_far_usd)}</td>
                    <td>
                      <a href={`${LOCAL_PREFIX}/calls/${encodeURIComponent(f.call_id)}`}>
                        open call
                      </a>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
      </section>

      <section aria-labelledby="biggest-runs">
        <h2 id="biggest-runs">Biggest runs</h2>
        {data.runs.length === 0
          ? <p class="muted">No run in the last {data.window_days} days.</p>
          : (
            <table data-runs>
              <thead>
                <tr>
                  <th scope="col">run</th>
                  <th scope="col">client</th>
                  <th scope="col" class="num">turns</th>
                  <th scope="col" class="num">cost</th>
                  <th scope="col">context growth</th>
                </tr>
              </thead>
              <tbody>
                {data.runs.map((r) => (
                  <tr data-run={r.id}>
                    <td>
                      <a href={`${LOCAL_PREFIX}/runs?id=${encodeURIComponent(r.id)}`} title={r.id}>
                        {r.name ?? r.id.slice(-8)}
                      </a>
                    </td>
                    <td>{r.client ?? "—"}</td>
                    <td class="num">{tokens(r.turns)}</td>
                    <td class="num">{usd(r.cost_usd)}</td>
                    <td>
                      <Sparkline
                        values={r.growth}
                        label={`prompt tokens from ${tokens(r.growth[0])} to ${
                          tokens(r.growth.at(-1))
                        }`}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
      </section>

      <section aria-labelledby="component-shares">
        <h2 id="component-shares">Where the prompt tokens went</h2>
        {data.components.length === 0 ? <p class="muted">No attributed prompt yet.</p> : (
          <>
            <div class="sharebar" aria-hidden="true">
              {data.components.map((c) => (
                <i
                  style={{ width: `${c.share * 100}%`, background: COMPONENT_COLORS[c.component] }}
                  title={`${c.component}: ${percent(c.share)}`}
                />
              ))}
            </div>
            <table data-components>
              <thead>
                <tr>
                  <th scope="col">component</th>
                  <th scope="col" class="num">prompt tokens</th>
                  <th scope="col" class="num">share</th>
                </tr>
              </thead>
              <tbody>
                {data.components.map((c) => (
                  <tr data-component={c.component}>
                    <td>
                      <i class="swatch" style={{ background: COMPONENT_COLORS[c.component] }} />
                      {c.component}
                    </td>
                    <td class="num">{tokens(c.tokens)}</td>
                    <td class="num">{percent(c.share)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </section>
    </div>
  );
}
