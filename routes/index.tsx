import CallsTable, { apiSearch } from "../islands/CallsTable.tsx";
import type { AppContext } from "./context.ts";
import { parseCallQuery } from "./api/calls.ts";
import { Island, Layout } from "./_island.tsx";

/** What to paste into each client to profile it. */
export function SetupGuide(props: { origin: string }) {
  const o = props.origin;
  return (
    <div class="empty">
      <h2>No calls yet. Point a client at llmprof and keep your API key:</h2>
      <p>OpenAI SDK (TypeScript / Python)</p>
      <pre>{`new OpenAI({ baseURL: "${o}/v1" })\nOpenAI(base_url="${o}/v1")`}</pre>
      <p>Anthropic SDK (TypeScript / Python)</p>
      <pre>{`new Anthropic({ baseURL: "${o}" })\nAnthropic(base_url="${o}")`}</pre>
      <p>Claude Code</p>
      <pre>{`ANTHROPIC_BASE_URL=${o} claude`}</pre>
      <p>Codex CLI (Responses API)</p>
      <pre>{`codex -c openai_base_url=${o}/v1`}</pre>
      <p>Google GenAI SDK and Gemini CLI</p>
      <pre>{`new GoogleGenAI({ httpOptions: { baseUrl: "${o}" } })\nGOOGLE_GEMINI_BASE_URL=${o} gemini`}</pre>
      <p>Azure OpenAI (with --azure-upstream https://NAME.openai.azure.com)</p>
      <pre>{`new AzureOpenAI({ endpoint: "${o}", apiVersion, deployment })`}</pre>
      <p class="muted">Calls appear here as they happen; this page updates itself.</p>
    </div>
  );
}

/** The query parameters the calls page keeps in its URL. */
const PAGE_PARAMS = [
  "q",
  "provider",
  "model",
  "session",
  "family",
  "launch",
  "status",
  "range",
  "findings",
  "passthrough",
  "sort",
  "offset",
];

const PROVIDERS = ["openai", "anthropic", "google", "azure", "unknown"];

/** The calls list page: filters, search and sort from the URL; passthrough calls hidden unless asked for. */
export async function callsPage(url: URL, ctx: AppContext) {
  const params: Record<string, string> = {};
  for (const name of PAGE_PARAMS) {
    const value = url.searchParams.get(name);
    if (value !== null && value !== "") params[name] = value;
  }
  const parsed = parseCallQuery(new URLSearchParams(apiSearch(params)));
  const query = typeof parsed === "string" ? { passthrough: false, limit: 50 } : parsed;
  const since = new Date(Date.now() - 30 * 86_400_000).toISOString();
  const [data, models] = await Promise.all([
    ctx.store.listCalls(query),
    ctx.store.byModel({ since }),
  ]);
  const filtered = Object.keys(params).length > 0;
  return (
    <Layout title="Calls" active="calls">
      <h1>Calls</h1>
      {typeof parsed === "string" ? <p class="banner" role="alert">{parsed}</p> : null}
      {data.total === 0 && !filtered ? <SetupGuide origin={url.origin} /> : null}
      <Island
        name="CallsTable"
        component={CallsTable}
        props={{
          calls: data.calls,
          total: data.total,
          capped: data.capped ?? false,
          params,
          models: models.map((m) => m.model),
          providers: PROVIDERS,
        }}
      />
    </Layout>
  );
}
