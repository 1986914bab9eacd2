import CallsTable from "../islands/CallsTable.tsx";
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

/** The calls list page. */
export async function callsPage(url: URL, ctx: AppContext) {
  const parsed = parseCallQuery(url.searchParams);
  const query = typeof parsed === "string" ? {} : parsed;
  const since = new Date(Date.now() - 30 * 86_400_000).toISOString();
  const [data, models] = await Promise.all([
    ctx.store.listCalls({ limit: 50, ...query }),
    ctx.store.byModel({ since }),
  ]);
  const filtered = Object.keys(query).length > 0;
  return (
    <Layout title="Calls" active="calls">
      <h1>Calls</h1>
      {data.total === 0 && !filtered ? <SetupGuide origin={url.origin} /> : null}
      <Island
        name="CallsTable"
        component={CallsTable}
        props={{
          calls: data.calls,
          total: data.total,
          query: { limit: 50, ...query },
          models: models.map((m) => m.model),
        }}
      />
    </Layout>
  );
}
