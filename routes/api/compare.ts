import type { AppContext } from "../context.ts";
import { loadComparison } from "../_compare_data.ts";

/** `GET /_llmprof/api/compare?a=ID&b=ID` (two calls) or `?runs=A,B` (two runs): the comparison as JSON. */
export async function compare(url: URL, ctx: AppContext): Promise<Response> {
  const result = await loadComparison(url, ctx);
  if (result.ok) return Response.json(result.comparison);
  return Response.json({ error: result.error }, { status: result.status || 400 });
}
