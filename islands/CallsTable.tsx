import { useEffect, useState } from "preact/hooks";
import type { CallQuery, CallSummary } from "../store/contract.ts";
import { ms, time, tokens, usd } from "../reports/format.ts";
import { LOCAL_PREFIX } from "../core/paths.ts";

/** What the calls table starts with: the server's first page and its query. */
export interface CallsTableProps {
  calls: CallSummary[];
  total: number;
  query: CallQuery;
  models: string[];
}

function search(query: CallQuery): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== "") params.set(key, String(value));
  }
  return params.toString();
}

/** The calls list: sort, filter and page through calls; new calls appear without a reload. */
export default function CallsTable(props: CallsTableProps) {
  const [query, setQuery] = useState<CallQuery>(props.query);
  const [data, setData] = useState({ calls: props.calls, total: props.total });
  const limit = query.limit ?? 50;
  const offset = query.offset ?? 0;

  useEffect(() => {
    let stop = false;
    const load = async () => {
      try {
        const response = await fetch(`${LOCAL_PREFIX}/api/calls?${search(query)}`);
        if (response.ok && !stop) setData(await response.json());
      } catch { /* the next poll tries again */ }
    };
    load();
    history.replaceState(null, "", `?${search({ ...query, limit: undefined })}`);
    const timer = setInterval(load, 2_000);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, [search(query)]);

  const set = (change: Partial<CallQuery>) => setQuery({ ...query, offset: 0, ...change });
  return (
    <div>
      <div class="toolbar">
        <label>
          Sort{" "}
          <select
            value={query.sort ?? "time"}
            onChange={(e) => set({ sort: e.currentTarget.value as CallQuery["sort"] })}
          >
            <option value="time">newest</option>
            <option value="cost">cost</option>
            <option value="attention">needs attention</option>
          </select>
        </label>
        <label>
          Model{" "}
          <select
            value={query.model ?? ""}
            onChange={(e) => set({ model: e.currentTarget.value || undefined })}
          >
            <option value="">all</option>
            {props.models.map((m) => <option key={m} value={m}>{m}</option>)}
          </select>
        </label>
        <label>
          Run{" "}
          <input
            placeholder="run id"
            value={query.session ?? ""}
            onChange={(e) => set({ session: e.currentTarget.value.trim() || undefined })}
          />
        </label>
        <span class="muted">{tokens(data.total)} calls</span>
      </div>
      <table class="calls">
        <thead>
          <tr>
            <th>time</th>
            <th>provider</th>
            <th>model</th>
            <th>run · turn</th>
            <th class="num">prompt</th>
            <th class="num">completion</th>
            <th class="num">cost</th>
            <th class="num">duration</th>
            <th class="num">status</th>
          </tr>
        </thead>
        <tbody>
          {data.calls.map((c) => (
            <tr class={c.status >= 400 || c.error ? "bad" : undefined} data-call={c.id}>
              <td>
                <a href={`${LOCAL_PREFIX}/calls/${encodeURIComponent(c.id)}`}>
                  {time(c.created_at)}
                </a>
              </td>
              <td>{c.provider}</td>
              <td>{c.model ?? (c.analysed ? "—" : "analysing…")}</td>
              <td>
                {c.session_id
                  ? (
                    <a href={`${LOCAL_PREFIX}/runs?id=${encodeURIComponent(c.session_id)}`}>
                      {c.session_id.slice(-6)} · {c.turn}
                    </a>
                  )
                  : "—"}
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
          onClick={() => setQuery({ ...query, offset: Math.max(0, offset - limit) })}
        >
          ← newer
        </button>
        <span class="muted">
          {data.total === 0 ? 0 : offset + 1}–{Math.min(offset + limit, data.total)} of{" "}
          {tokens(data.total)}
        </span>
        <button
          type="button"
          disabled={offset + limit >= data.total}
          onClick={() => setQuery({ ...query, offset: offset + limit })}
        >
          older →
        </button>
      </div>
    </div>
  );
}
