import { overviewData } from "../../reports/overview.ts";
import type { AppContext } from "../context.ts";

/** `GET /_llmprof/api/overview`: spend today and this week with the projection, top findings, biggest runs, component shares. */
export async function overview(ctx: AppContext): Promise<Response> {
  return Response.json(await overviewData(ctx.store));
}
