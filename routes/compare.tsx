import type {
  CallComparison,
  ComponentPair,
  FirstDifference,
  Pair,
  RunComparison,
  ToolPair,
} from "../reports/compare.ts";
import { frameLabel, signedTokens, signedUsd, time, tokens, usd } from "../reports/format.ts";
import type { AppContext } from "./context.ts";
import { Layout, Scroll } from "./_island.tsx";
import { LOCAL_PREFIX } from "../core/paths.ts";
import { loadComparison } from "./_compare_data.ts";

const callHref = (id: string) => `${LOCAL_PREFIX}/calls/${encodeURIComponent(id)}`;
const runHref = (id: string) => `${LOCAL_PREFIX}/runs?id=${encodeURIComponent(id)}`;

function PairRow(props: { label: string; pair: Pair; money?: boolean }) {
  const show = props.money ? usd : tokens;
  const change = props.money ? signedUsd : (n: number | null) => n === null ? "—" : signedTokens(n);
  return (
    <tr>
      <th scope="row">{props.label}</th>
      <td class="num">{show(props.pair.a)}</td>
      <td class="num">{show(props.pair.b)}</td>
      <td class="num">{change(props.pair.delta)}</td>
    </tr>
  );
}

function Head(props: { a: string; b: string }) {
  return (
    <thead>
      <tr>
        <th scope="col"></th>
        <th scope="col" class="num">{props.a}</th>
        <th scope="col" class="num">{props.b}</th>
        <th scope="col" class="num">B − A</th>
      </tr>
    </thead>
  );
}

function Components(props: { rows: ComponentPair[]; priced: boolean }) {
  return (
    <Scroll label="Components">
      <table class="compare" data-compare-components>
        <caption>Prompt tokens{props.priced ? " and what they cost" : ""} per component</caption>
        <thead>
          <tr>
            <th scope="col">component</th>
            <th scope="col" class="num">A</th>
            <th scope="col" class="num">B</th>
            <th scope="col" class="num">B − A</th>
            {props.priced
              ? (
                <>
                  <th scope="col" class="num">A $</th>
                  <th scope="col" class="num">B $</th>
                  <th scope="col" class="num">B − A $</th>
                </>
              )
              : null}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((c) => (
            <tr key={c.name} data-component={c.name}>
              <th scope="row">{c.name}</th>
              <td class="num">{tokens(c.tokens.a)}</td>
              <td class="num">{tokens(c.tokens.b)}</td>
              <td class="num">{c.tokens.delta === null ? "—" : signedTokens(c.tokens.delta)}</td>
              {props.priced
                ? (
                  <>
                    <td class="num">{usd(c.usd.a)}</td>
                    <td class="num">{usd(c.usd.b)}</td>
                    <td class="num">{signedUsd(c.usd.delta)}</td>
                  </>
                )
                : null}
            </tr>
          ))}
        </tbody>
      </table>
    </Scroll>
  );
}

function Tools(props: { rows: ToolPair[]; a: string; b: string }) {
  if (props.rows.length === 0) return <p class="muted">Neither side has tools.</p>;
  return (
    <Scroll label="Tools">
      <table class="compare" data-compare-tools>
        <caption>Tools (tokens in schemas, calls and results)</caption>
        <Head a={props.a} b={props.b} />
        <tbody>
          {props.rows.map((t) => (
            <tr data-tool={t.name}>
              <th scope="row">
                {frameLabel(["context", "tool schemas", t.name]).text}
                {t.in === "both"
                  ? ""
                  : <span class="muted">{` (only ${t.in.toUpperCase()})`}</span>}
              </th>
              <td class="num">{tokens(t.tokens.a)}</td>
              <td class="num">{tokens(t.tokens.b)}</td>
              <td class="num">{t.tokens.delta === null ? "—" : signedTokens(t.tokens.delta)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Scroll>
  );
}

function Difference(props: { diff: FirstDifference }) {
  const { block, message } = props.diff;
  if (!block && !message) {
    return <p data-first-difference>The two prompts are the same, block for block.</p>;
  }
  const blockName = (b: { kind: string | null; label: string | null; tokens: number } | null) =>
    b
      ? `${b.kind ?? "other"}${b.label ? ` (${b.label})` : ""}, ${tokens(b.tokens)} tokens`
      : "none";
  return (
    <div data-first-difference>
      {block
        ? (
          <p>
            First differing block: number {block.index + 1}, A has {blockName(block.a)}; B has{" "}
            {blockName(block.b)}.
          </p>
        )
        : null}
      {message
        ? (
          <>
            <p>
              First differing message: number {message.index + 1}
              {message.a && message.b && message.a.role === message.b.role
                ? ` (${message.a.role}), from character ${message.offset}`
                : ""}.
            </p>
            <div class="side-by-side">
              <div>
                <div class="muted">
                  A{message.a ? ` · ${message.a.role}` : " · no such message"}
                </div>
                {message.a
                  ? <pre class="was" data-difference-a>{message.a.text}</pre>
                  : <p class="muted">A's prompt ends before this message.</p>}
              </div>
              <div>
                <div class="muted">
                  B{message.b ? ` · ${message.b.role}` : " · no such message"}
                </div>
                {message.b
                  ? <pre class="now" data-difference-b>{message.b.text}</pre>
                  : <p class="muted">B's prompt ends before this message.</p>}
              </div>
            </div>
          </>
        )
        : null}
    </div>
  );
}

function Calls(props: { c: CallComparison }) {
  const { c } = props;
  const priced = c.components.some((x) => x.usd.a !== null || x.usd.b !== null);
  const side = (label: string, s: CallComparison["a"]) => (
    <div class="card">
      <div class="label">{label}</div>
      <div class="value">
        <a href={callHref(s.id)}>{s.model ?? s.api}</a>
      </div>
      <div class="delta">
        {time(s.created_at)}
        {s.run
          ? (
            <>
              {" · "}
              <a href={runHref(s.run)}>run {s.run.slice(-6)}</a> turn {s.turn}
            </>
          )
          : null}
      </div>
    </div>
  );
  return (
    <>
      <div class="cards">
        {side("call A", c.a)}
        {side("call B", c.b)}
      </div>
      <Scroll label="Totals">
        <table class="compare" data-compare-totals>
          <caption>Totals</caption>
          <Head a={`A · ${c.a.id.slice(-6)}`} b={`B · ${c.b.id.slice(-6)}`} />
          <tbody>
            <PairRow label="prompt tokens" pair={c.prompt_tokens} />
            <PairRow label="cost" pair={c.cost_usd} money />
          </tbody>
        </table>
      </Scroll>
      <h2>Components</h2>
      <Components rows={c.components} priced={priced} />
      <h2>Tools</h2>
      <Tools rows={c.tools} a="A" b="B" />
      <h2>Where the prompts first differ</h2>
      <Difference diff={c.first_difference} />
    </>
  );
}

function Runs(props: { c: RunComparison }) {
  const { c } = props;
  const side = (label: string, s: RunComparison["a"]) => (
    <div class="card">
      <div class="label">{label}</div>
      <div class="value">
        <a href={runHref(s.id)}>{s.name ?? s.id.slice(-8)}</a>
      </div>
      <div class="delta">{time(s.first_at)} · {s.calls} calls</div>
    </div>
  );
  return (
    <>
      <div class="cards">
        {side("run A", c.a)}
        {side("run B", c.b)}
      </div>
      <Scroll label="Totals">
        <table class="compare" data-compare-totals>
          <caption>Totals</caption>
          <Head a="A" b="B" />
          <tbody>
            <PairRow label="turns" pair={c.turns} />
            <PairRow label="last turn's prompt tokens" pair={c.last_prompt_tokens} />
            <PairRow label="cost" pair={c.cost_usd} money />
          </tbody>
        </table>
      </Scroll>
      <h2>Components over every turn</h2>
      <Components rows={c.components} priced={false} />
      <h2>Tools at the last turn</h2>
      <Tools rows={c.tools} a="A" b="B" />
      <h2>Where the first turns' prompts differ</h2>
      <Difference diff={c.first_difference} />
    </>
  );
}

/** The compare page: two calls or two runs side by side, or a picker when the query names neither. */
export async function comparePage(url: URL, ctx: AppContext) {
  const result = await loadComparison(url, ctx);
  const runs = result.ok ? [] : await ctx.store.listRuns({ limit: 100 });
  return {
    status: result.ok ? 200 : result.status || 200,
    page: (
      <Layout title="Compare" active="">
        <h1>Compare</h1>
        {result.ok
          ? (
            <>
              <p class="muted">
                JSON:{" "}
                <a href={`${LOCAL_PREFIX}/api/compare${url.search}`} data-compare-json>
                  /api/compare{url.search}
                </a>
              </p>
              {result.comparison.kind === "calls"
                ? <Calls c={result.comparison} />
                : <Runs c={result.comparison} />}
            </>
          )
          : (
            <>
              {result.status === 0 ? null : <div class="banner">{result.error}</div>}
              <form class="toolbar" method="get" data-compare-calls>
                <label>
                  Call A <input name="a" required />
                </label>
                <label>
                  Call B <input name="b" required />
                </label>
                <button type="submit">Compare calls</button>
              </form>
              {runs.length >= 2
                ? (
                  <form class="toolbar" method="get" data-compare-runs>
                    {["A", "B"].map((label, i) => (
                      <label>
                        Run {label}{" "}
                        <select name="run">
                          {runs.map((s, k) => (
                            <option value={s.id} selected={k === i}>
                              {s.name ?? s.id.slice(-8)} · {s.calls} calls · {usd(s.cost_usd)}
                            </option>
                          ))}
                        </select>
                      </label>
                    ))}
                    <button type="submit">Compare runs</button>
                  </form>
                )
                : <p class="muted">Two runs are needed to compare runs.</p>}
            </>
          )}
      </Layout>
    ),
  };
}
