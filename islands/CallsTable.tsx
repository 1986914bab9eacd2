import { useEffect, useRef, useState } from "preact/hooks";
import type { CallSummary } from "../store/contract.ts";
import { MARK_END, MARK_START } from "../store/contract.ts";
import { COMPONENT_COLORS, ms, time, tokens, usd } from "../reports/format.ts";
import { LOCAL_PREFIX } from "../core/paths.ts";
import { coalesced, onStoredCall } from "./live.ts";

/** What the calls table starts with: the server's first page and the page's query string. */
export interface CallsTableProps {
  calls: CallSummary[];
  total: number;
  /** A search found more matches than it counted (it counts the newest 1,000). */
  capped?: boolean;
  /** The page's query parameters (filters, search, sort, offset), as in its URL. */
  params: Record<string, string>;
  models: string[];
  providers: string[];
}

const LIMIT = 50;

/** The API query for the page's parameters: passthrough calls only when asked for. */
export function apiSearch(params: Readonly<Record<string, string>>): string {
  const query = new URLSearchParams(params);
  query.set("passthrough", params.passthrough === "1" ? "1" : "0");
  query.set("limit", String(LIMIT));
  return query.toString();
}

/** A call's prompt by component, as a small stacked bar. */
export function CompositionBar(props: { components: Record<string, number> | null }) {
  const entries = Object.entries(props.components ?? {}).filter(([, n]) => n > 0);
  const total = entries.reduce((n, [, t]) => n + t, 0);
  if (total === 0) return <span class="bar empty" aria-hidden="true" />;
  return (
    <span
      class="bar"
      role="img"
      aria-label={entries.map(([c, n]) => `${c} ${Math.round((n / total) * 100)}%`).join(", ")}
    >
      {entries.map(([c, n]) => (
        <i
          style={{ width: `${(n / total) * 100}%`, background: COMPONENT_COLORS[c] ?? "#8899aa" }}
        />
      ))}
    </span>
  );
}

/**
 * A search snippet with its matches marked. The text is the stored prompt, unescaped: it is
 * split at the store's markers and each piece rendered as text, so only the marks are markup.
 */
export function Snippet(props: { text: string }) {
  const pieces: Array<{ text: string; marked: boolean }> = [];
  let rest = props.text;
  while (rest.length > 0) {
    const start = rest.indexOf(MARK_START);
    if (start < 0) {
      pieces.push({ text: rest, marked: false });
      break;
    }
    if (start > 0) pieces.push({ text: rest.slice(0, start), marked: false });
    const end = rest.indexOf(MARK_END, start + 1);
    const stop = end < 0 ? rest.length : end;
    pieces.push({ text: rest.slice(start + 1, stop), marked: true });
    rest = end < 0 ? "" : rest.slice(end + 1);
  }
  return (
    <span class="snippet">
      {pieces.map((p, i) => p.marked ? <mark key={i}>{p.text}</mark> : p.text)}
    </span>
  );
}

function isTyping(target: EventTarget | null): boolean {
  return target instanceof HTMLElement &&
    (target.tagName === "INPUT" || target.tagName === "SELECT" || target.tagName === "TEXTAREA" ||
      target.isContentEditable);
}

/**
 * The calls list: filter, search, sort and page through calls (all in the URL, so a link
 * shows the same list); j/k move, Enter opens, / searches; new calls stream in as they are stored.
 */
export default function CallsTable(props: CallsTableProps) {
  const [params, setParams] = useState<Record<string, string>>(props.params);
  const [data, setData] = useState<{ calls: CallSummary[]; total: number; capped?: boolean }>({
    calls: props.calls,
    total: props.total,
    capped: props.capped,
  });
  const [selected, setSelected] = useState(-1);
  const [text, setText] = useState(props.params.q ?? "");
  const searchBox = useRef<HTMLInputElement>(null);
  const offset = Number(params.offset ?? 0) || 0;
  const key = apiSearch(params);
  const first = useRef(true);

  useEffect(() => {
    const load = coalesced(async () => {
      const response = await fetch(`${LOCAL_PREFIX}/api/calls?${key}`);
      if (response.ok) setData(await response.json());
    });
    if (!first.current) {
      load();
      const shown = new URLSearchParams(params).toString();
      history.replaceState(null, "", shown ? `?${shown}` : location.pathname);
    }
    first.current = false;
    return onStoredCall(load);
  }, [key]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === "/" && !isTyping(e.target)) {
        e.preventDefault();
        searchBox.current?.focus();
        return;
      }
      if (isTyping(e.target)) return;
      const rows = data.calls.length;
      if (rows === 0) return;
      if (e.key === "j") setSelected((i) => Math.min(rows - 1, i + 1));
      else if (e.key === "k") setSelected((i) => Math.max(0, i - 1));
      else if (e.key === "Enter" && selected >= 0 && selected < rows) {
        location.href = `${LOCAL_PREFIX}/calls/${encodeURIComponent(data.calls[selected].id)}`;
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [data, selected]);

  useEffect(() => {
    if (selected < 0) return;
    document.querySelector(`table.calls tbody tr[data-index="${selected}"]`)?.scrollIntoView({
      block: "nearest",
    });
  }, [selected]);

  const set = (change: Record<string, string | undefined>) => {
    const next: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...params, offset: undefined, ...change })) {
      if (v !== undefined && v !== "") next[k] = v;
    }
    setSelected(-1);
    setParams(next);
  };
  const searching = (params.q ?? "") !== "";
  return (
    <div>
      <form
        class="toolbar"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          set({ q: text.trim() || undefined });
        }}
      >
        <label>
          Search{" "}
          <input
            ref={searchBox}
            type="search"
            name="q"
            placeholder="prompts and responses ( / )"
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
          />
        </label>
        <button type="submit">Search</button>
        <label>
          Provider{" "}
          <select
            name="provider"
            value={params.provider ?? ""}
            onChange={(e) => set({ provider: e.currentTarget.value })}
          >
            <option value="">all</option>
            {props.providers.map((p) => <option key={p} value={p}>{p}</option>)}
          </select>
        </label>
        <label>
          Model{" "}
          <select
            name="model"
            value={params.model ?? ""}
            onChange={(e) => set({ model: e.currentTarget.value })}
          >
            <option value="">all</option>
            {props.models.map((m) => <option key={m} value={m}>{m}</option>)}
          </select>
        </label>
        <label>
          Run{" "}
          <input
            name="session"
            placeholder="run id"
            value={params.session ?? ""}
            onChange={(e) => set({ session: e.currentTarget.value.trim() })}
          />
        </label>
        <label>
          Status{" "}
          <select
            name="status"
            value={params.status ?? ""}
            onChange={(e) => set({ status: e.currentTarget.value })}
          >
            <option value="">all</option>
            <option value="ok">succeeded</option>
            <option value="error">failed</option>
          </select>
        </label>
        <label>
          Time{" "}
          <select
            name="range"
            value={params.range ?? ""}
            onChange={(e) => set({ range: e.currentTarget.value })}
          >
            <option value="">all</option>
            <option value="1h">last hour</option>
            <option value="24h">last 24 hours</option>
            <option value="7d">last 7 days</option>
            <option value="30d">last 30 days</option>
          </select>
        </label>
        <label>
          Sort{" "}
          <select
            name="sort"
            value={params.sort ?? "time"}
            onChange={(e) =>
              set({ sort: e.currentTarget.value === "time" ? undefined : e.currentTarget.value })}
          >
            <option value="time">newest</option>
            <option value="cost">cost</option>
            <option value="attention">needs attention</option>
          </select>
        </label>
        <label>
          <input
            type="checkbox"
            name="findings"
            checked={params.findings === "1"}
            onChange={(e) => set({ findings: e.currentTarget.checked ? "1" : undefined })}
          />{" "}
          with findings
        </label>
        <label>
          <input
            type="checkbox"
            name="passthrough"
            checked={params.passthrough === "1"}
            onChange={(e) => set({ passthrough: e.currentTarget.checked ? "1" : undefined })}
          />{" "}
          show passthrough calls
        </label>
        <span class="muted" data-total>{tokens(data.total)}{data.capped ? "+" : ""} calls</span>
      </form>
      <table class="calls">
        <thead>
          <tr>
            <th scope="col">time</th>
            <th scope="col">provider</th>
            <th scope="col">model</th>
            <th scope="col">run · turn</th>
            <th scope="col">composition</th>
            <th scope="col" class="num">prompt</th>
            <th scope="col" class="num">completion</th>
            <th scope="col" class="num">cost</th>
            <th scope="col" class="num">duration</th>
            <th scope="col" class="num">status</th>
          </tr>
        </thead>
        <tbody>
          {data.calls.map((c, i) => (
            <tr
              key={c.id}
              class={[c.status >= 400 || c.error ? "bad" : "", i === selected ? "selected" : ""]
                .filter(Boolean).join(" ") || undefined}
              aria-selected={i === selected ? "true" : undefined}
              data-call={c.id}
              data-index={i}
            >
              <td>
                <a href={`${LOCAL_PREFIX}/calls/${encodeURIComponent(c.id)}`}>
                  {time(c.created_at)}
                </a>
                {searching && c.snippet ? <Snippet text={c.snippet} /> : null}
              </td>
              <td>{c.provider}</td>
              <td>{c.model ?? (c.analysed ? "—" : "analysing…")}</td>
              <td>
                {c.session_id
                  ? (
                    <a
                      href={`${LOCAL_PREFIX}/runs?id=${encodeURIComponent(c.session_id)}`}
                      title={c.session_id}
                      data-run-name
                    >
                      {c.run_name ?? c.session_id.slice(-6)} · {c.turn}
                    </a>
                  )
                  : "—"}
              </td>
              <td>
                <CompositionBar components={c.components} />{" "}
                <span class="muted">{c.top_component ?? ""}</span>
              </td>
              <td class="num">{tokens(c.prompt_tokens)}</td>
              <td class="num">{tokens(c.completion_tokens)}</td>
              <td class="num">{usd(c.cost_usd)}</td>
              <td class="num">{ms(c.duration_ms)}</td>
              <td class="num" title={c.error ?? undefined}>{c.status}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="pager">
        <button
          type="button"
          disabled={offset === 0}
          onClick={() => set({ offset: String(Math.max(0, offset - LIMIT)) || undefined })}
        >
          ← newer
        </button>
        <span class="muted">
          {data.total === 0 ? 0 : offset + 1}–{Math.min(offset + LIMIT, data.total)} of{" "}
          {tokens(data.total)}
          {data.capped ? "+" : ""}
        </span>
        <button
          type="button"
          disabled={offset + LIMIT >= data.total}
          onClick={() => set({ offset: String(offset + LIMIT) })}
        >
          older →
        </button>
      </div>
      <p class="muted keys">Keys: j / k move, Enter opens the call, / searches.</p>
    </div>
  );
}
