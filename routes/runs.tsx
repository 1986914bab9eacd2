import { runDiffs } from "../reports/turn_diffs.ts";
import { diffLine } from "../correlate/turn_diff.ts";
import { runCards } from "../reports/run_cards.ts";
import RunTimeline from "../islands/RunTimeline.tsx";
import { percent, time, tokens, usd } from "../reports/format.ts";
import type { AppContext } from "./context.ts";
import { ComponentLegend, Island, Layout } from "./_island.tsx";
import { LOCAL_PREFIX } from "../core/paths.ts";
import { ExportLinks } from "./_export_links.tsx";

/** The timeline page: choose a run; one stacked bar per turn; the run's cards. */
export async function runsPage(url: URL, ctx: AppContext) {
  const sessions = await ctx.store.listRuns({ limit: 100 });
  const id = url.searchParams.get("id") ?? sessions[0]?.id ?? null;
  const turns = id ? await ctx.store.getRun(id) : [];
  const cards = runCards(turns);
  const diffs = await runDiffs(ctx.store, turns);
  const deltas = turns.map((t) => {
    const diff = diffs.get(t.call_id);
    return diff ? diffLine(diff) : null;
  });
  const current = sessions.find((s) => s.id === id);
  const children = sessions.filter((s) => s.parent_run !== null && s.parent_run === id);
  return (
    <Layout title="Runs" active="runs">
      <h1>Runs</h1>
      {sessions.length === 0
        ? (
          <div class="empty">
            No runs yet: an agent's calls become a run as soon as it makes its second turn.
          </div>
        )
        : (
          <form class="toolbar" method="get">
            <label>
              Run{" "}
              <select name="id" data-run-select>
                {sessions.map((s) => (
                  <option value={s.id} selected={s.id === id}>
                    {s.parent_run ? "↳ " : ""}
                    {s.name ?? s.id.slice(-8)} · {s.calls} calls · {usd(s.cost_usd)} ·{" "}
                    {time(s.last_at)}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit">Show</button>
          </form>
        )}
      {id && turns.length > 0
        ? (
          <>
            {current?.name ? <p class="run-name">{current.name}</p> : null}
            {current?.parent_run
              ? (
                <p>
                  Spawned by run{" "}
                  <a href={`${LOCAL_PREFIX}/runs?id=${encodeURIComponent(current.parent_run)}`}>
                    {current.parent_run.slice(-8)}
                  </a>
                </p>
              )
              : null}
            {children.length > 0
              ? (
                <p>
                  Subagents: {children.map((c) => (
                    <>
                      <a href={`${LOCAL_PREFIX}/runs?id=${encodeURIComponent(c.id)}`}>
                        {c.name ?? c.id.slice(-8)}
                      </a>{" "}
                      ({usd(c.cost_usd)}){" "}
                    </>
                  ))}
                  · with subagents{" "}
                  {usd(cards.cost_usd + children.reduce((n, c) => n + c.cost_usd, 0))}
                </p>
              )
              : null}
            <div class="cards">
              <div class="card">
                <div class="label">turns</div>
                <div class="value">{cards.turns}</div>
              </div>
              <div class="card">
                <div class="label">context growth</div>
                <div class="value">{cards.context_growth.toFixed(1)}×</div>
                <div class="delta">
                  {tokens(turns[0].prompt_tokens)} → {tokens(turns[turns.length - 1].prompt_tokens)}
                  {" "}
                  tokens
                </div>
              </div>
              <div class="card">
                <div class="label">history at the last turn</div>
                <div class="value">{percent(cards.history_share)}</div>
              </div>
              <div class="card">
                <div class="label">tool results at the last turn</div>
                <div class="value">{percent(cards.tool_results_share)}</div>
              </div>
              <div class="card">
                <div class="label">run cost</div>
                <div class="value">{usd(cards.cost_usd)}</div>
              </div>
            </div>
            <ComponentLegend />
            <Island
              name="RunTimeline"
              component={RunTimeline}
              props={{ turns, deltas, runId: id }}
            />
            <ExportLinks selection={{ run: id }} />
            <h2>Turns</h2>
            <table>
              <thead>
                <tr>
                  <th>turn</th>
                  <th>time</th>
                  <th class="num">prompt tokens</th>
                  <th class="num">cost</th>
                  <th>against the turn before</th>
                  <th>call</th>
                </tr>
              </thead>
              <tbody>
                {turns.map((t, i) => (
                  <tr title={deltas[i] ?? "the first turn"}>
                    <td>{t.turn}</td>
                    <td>{time(t.created_at)}</td>
                    <td class="num">{tokens(t.prompt_tokens)}</td>
                    <td class="num">{usd(t.cost_usd)}</td>
                    <td class="muted">{deltas[i] ?? "—"}</td>
                    <td>
                      <a href={`${LOCAL_PREFIX}/calls/${encodeURIComponent(t.call_id)}`}>open</a>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )
        : id
        ? <p class="muted">No run with id "{id}".</p>
        : null}
    </Layout>
  );
}
