import { callDiff } from "../../reports/turn_diffs.ts";
import { requestJson } from "../../reports/curl.ts";
import type { CallQuery } from "../../store/contract.ts";
import type { AppContext } from "../context.ts";
import { badRequest, notFound } from "./_errors.ts";

const SORTS = new Set(["time", "cost", "attention"]);

/** The time ranges the calls list offers, as `range=`: the calls since that long ago. */
export const RANGES: Readonly<Record<string, number>> = {
  "1h": 3_600_000,
  "24h": 86_400_000,
  "7d": 7 * 86_400_000,
  "30d": 30 * 86_400_000,
};

const YES = new Set(["1", "true", "yes"]);
const NO = new Set(["0", "false", "no"]);

/** Reads the calls list's query string; throws a message for a bad value. */
export function parseCallQuery(params: URLSearchParams): CallQuery | string {
  const query: CallQuery = {};
  for (const [name, value] of params) {
    switch (name) {
      case "limit":
      case "offset": {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 0) return `${name} must be a whole number, got "${value}"`;
        query[name] = n;
        break;
      }
      case "sort":
        if (!SORTS.has(value)) return `sort must be time, cost or attention, got "${value}"`;
        query.sort = value as CallQuery["sort"];
        break;
      case "session":
      case "family":
      case "launch":
      case "model":
      case "provider":
        query[name] = value;
        break;
      case "q":
        if (value.trim() !== "") query.q = value.slice(0, 500);
        break;
      case "status":
        if (value !== "ok" && value !== "error") {
          return `status must be ok or error, got "${value}"`;
        }
        query.status = value;
        break;
      case "findings":
      case "passthrough":
        if (!YES.has(value) && !NO.has(value)) return `${name} must be 1 or 0, got "${value}"`;
        query[name] = YES.has(value);
        break;
      case "range":
        if (!Object.hasOwn(RANGES, value)) {
          return `range must be one of ${Object.keys(RANGES).join(", ")}, got "${value}"`;
        }
        query.since ??= new Date(Date.now() - RANGES[value]).toISOString();
        break;
      case "since":
      case "until":
        if (Number.isNaN(Date.parse(value))) return `${name} must be an ISO time, got "${value}"`;
        query[name] = new Date(value).toISOString();
        break;
    }
  }
  return query;
}

/**
 * `GET /_llmprof/api/calls?limit&offset&session&family&launch&model&provider&status=ok|error&findings=1&passthrough=0&range=1h|24h|7d|30d&since&until&q&sort=time|cost|attention`
 */
export async function listCalls(url: URL, ctx: AppContext): Promise<Response> {
  const query = parseCallQuery(url.searchParams);
  if (typeof query === "string") return badRequest(query);
  return Response.json(await ctx.store.listCalls(query));
}

/** `GET /_llmprof/api/calls/:id`: the full record, with the request as stored and what it changed against the previous turn of its run. */
export async function getCall(id: string, ctx: AppContext): Promise<Response> {
  const call = await ctx.store.getCall(id);
  if (!call) return notFound(`No call with id "${id}"`);
  return Response.json({
    ...call.record,
    request: call.request,
    diff: await callDiff(ctx.store, call.record),
  });
}

/** `GET /_llmprof/api/calls/:id/request`: the request's body as stored (secrets redacted), as a JSON file to download. */
export async function getCallRequest(id: string, ctx: AppContext): Promise<Response> {
  const call = await ctx.store.getCall(id);
  if (!call) return notFound(`No call with id "${id}"`);
  if (call.request === null) {
    return notFound(
      `Call "${id}" was stored without its request text (privacy ${
        call.record.privacy ?? "unknown"
      }): store with privacy redact or full to download it.`,
    );
  }
  return new Response(requestJson(call.request), {
    headers: {
      "content-type": "application/json; charset=utf-8",
      "content-disposition": `attachment; filename="llmprof-request-${
        id.replace(/[^\w.-]/g, "_")
      }.json"`,
    },
  });
}
