import { runDiffs } from "../reports/turn_diffs.ts";
import { diffLine } from "../correlate/turn_diff.ts";
import { runCards } from "../reports/run_cards.ts";
import type { RunSummary } from "../store/contract.ts";
import RunTimeline from "../islands/RunTimeline.tsx";
import { percent, time, tokens, usd } from "../reports/format.ts";
import type { AppContext } from "./context.ts";
import { ComponentLegend, Island, Layout, Scroll } from "./_island.tsx";
import { LOCAL_PREFIX } from "../core/paths.ts";
import { ExportLinks } from "./_export_links.tsx";

/** The turn of its parent run that spawned each subagent run, read from the subagent's first call (null when unknown). */
async function spawnedAt(
  ctx: AppContext,
  children: readonly RunSummary[],
): Promise<Map<string, number | null>> {
  const out = new Map<string, number | null>();
  await Promise.all(children.map(async (child) => {
    const [first] = await ctx.store.getRun(child.id);
    const call = first ? await ctx.store.getCall(first.call_id) : null;
    out.set(child.id, call?.record.session?.parent_turn ?? null);
  }));
  return out;
}

/** The form that picks two runs to compare. */
function ComparePicker(props: { runs: readonly RunSummary[]; current: string | null }) {
  if (props.runs.length < 2) return null;
  const second = props.runs.find((s) => s.id !== props.current)?.id;
  return (
    <form class="toolbar" method="get" action={`${LOCAL_PREFIX}/compare`} data-compare-runs>
      {["A", "B"].map((label, i) => (
        <label>
          Compare run {label}{" "}
          <select name="run">
            {props.runs.map((s) => (
              <option value={s.id} selected={s.id === (i === 0 ? props.current : second)}>
                {s.name ?? s.id.slice(-8)} · {s.calls} calls
              </option>
            ))}
          </select>
        </label>
      ))}
      <button type="submit">Compare</button>
    </form>
  );
}

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
  const spawned = await spawnedAt(ctx, children);
  const childrenAt = (turn: number | null) => children.filter((c) => spawned.get(c.id) === turn);
  const jump = cards.biggest_jump;
  const callHref = (callId: string) => `${LOCAL_PREFIX}/calls/${encodeURIComponent(callId)}`;
  const subagentRow = (c: RunSummary) => (
    <tr class="subagent" data-subagent={c.id}>
      <td></td>
      <td colSpan={6}>
        ↳ subagent{" "}
        <a href={`${LOCAL_PREFIX}/runs?id=${encodeURIComponent(c.id)}`}>
          {c.name ?? c.id.slice(-8)}
        </a>{" "}
        · {c.calls} calls · {tokens(c.last_prompt_tokens)} tokens at its last turn ·{" "}
        {usd(c.cost_usd)}
      </td>
    </tr>
  );
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
                <div class="label">read from cache</div>
                <div class="value">{percent(cards.cache_read_share)}</div>
                <div class="delta">of the run's prompt tokens</div>
              </div>
              <div class="card">
                <div class="label">run cost</div>
                <div class="value">{usd(cards.cost_usd)}</div>
                <div class="delta">
                  {usd(cards.cost_usd / Math.max(1, cards.turns))} a turn on average
                </div>
              </div>
              {jump
                ? (
                  <div class="card jump" data-biggest-jump>
                    <div class="label">biggest context jump</div>
                    <div class="value">
                      <a href={callHref(jump.call_id)}>turn {jump.turn}</a>
                    </div>
                    <div class="delta">
                      {tokens(jump.from)} → {tokens(jump.to)} tokens (+{tokens(jump.delta)})
                    </div>
                  </div>
                )
                : null}
            </div>
            <ComponentLegend />
            <Island
              name="RunTimeline"
              component={RunTimeline}
              props={{
                turns,
                deltas,
                runId: id,
                jumpTurn: jump?.turn ?? null,
                hrefs: turns.map((t) => callHref(t.call_id)),
              }}
            />
            <ComparePicker runs={sessions} current={id} />
            <ExportLinks selection={{ run: id }} />
            <h2>Turns</h2>
            <Scroll label="Turns">
              <table class="turns">
                <thead>
                  <tr>
                    <th scope="col">turn</th>
                    <th scope="col">time</th>
                    <th scope="col" class="num">prompt tokens</th>
                    <th scope="col" class="num">read from cache</th>
                    <th scope="col" class="num">cost</th>
                    <th scope="col">against the turn before</th>
                    <th scope="col">call</th>
                  </tr>
                </thead>
                <tbody>
                  {turns.map((t, i) => (
                    <>
                      <tr
                        title={deltas[i] ?? "the first turn"}
                        class={jump?.turn === t.turn ? "jump" : undefined}
                        data-turn={t.turn}
                      >
                        <td>
                          {t.turn}
                          {jump?.turn === t.turn ? <span class="badge">biggest jump</span> : null}
                        </td>
                        <td>{time(t.created_at)}</td>
                        <td class="num">{tokens(t.prompt_tokens)}</td>
                        <td class="num">
                          {t.prompt_tokens > 0
                            ? percent(t.cache_read_tokens / t.prompt_tokens)
                            : "—"}
                        </td>
                        <td class="num">{usd(t.cost_usd)}</td>
                        <td class="muted">{deltas[i] ?? "—"}</td>
                        <td>
                          <a href={callHref(t.call_id)} data-turn-link={t.turn}>
                            turn {t.turn}
                          </a>
                        </td>
                      </tr>
                      {childrenAt(t.turn).map(subagentRow)}
                    </>
                  ))}
                  {childrenAt(null).map(subagentRow)}
                </tbody>
              </table>
            </Scroll>
          </>
        )
        : id
        ? <p class="muted">No run with id "{id}".</p>
        : null}
    </Layout>
  );
}
