import type { VNode } from "preact";
import { renderToString } from "preact-render-to-string";
import { ASSETS } from "../static/mod.ts";
import { callPage } from "./calls/[id].tsx";
import type { AppContext } from "./context.ts";
import { callsPage } from "./index.tsx";
import { runsPage } from "./runs.tsx";
import { overviewPage } from "./overview.tsx";
import { trendsPage } from "./trends.tsx";
import { comparePage } from "./compare.tsx";
import { Layout } from "./_island.tsx";

/** Scripts only from llmprof itself: nothing inline runs, whatever a prompt contains. */
const SECURITY = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

/** A page as an HTML response. */
export function html(page: VNode, status = 200): Response {
  return new Response("<!DOCTYPE html>" + renderToString(page), {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      ...SECURITY,
    },
  });
}

function notFoundPage(message: string): Response {
  return html(
    <Layout title="Not found" active="">
      <h1>Not found</h1>
      <p>{message}</p>
    </Layout>,
    404,
  );
}

/** A readable 503 page for when the store does not answer; `detail` is the store's error. */
export function storeUnreachablePage(detail: string): Response {
  return html(
    <Layout title="Store unreachable" active="">
      <h1>The store is unreachable</h1>
      <p>
        llmprof is running and still proxying (calls wait in memory and are written once the store
        answers again), but the store did not answer, so this page cannot be shown.
      </p>
      <p class="muted">{detail}</p>
      <p>Check that the database is up, then reload this page.</p>
    </Layout>,
    503,
  );
}

/** The calls page. */
export async function callsPageResponse(url: URL, ctx: AppContext): Promise<Response> {
  return html(await callsPage(url, ctx));
}

/** The overview, the landing page. */
export async function overviewPageResponse(url: URL, ctx: AppContext): Promise<Response> {
  return html(await overviewPage(url, ctx));
}

/** The runs page. */
export async function runsPageResponse(url: URL, ctx: AppContext): Promise<Response> {
  return html(await runsPage(url, ctx));
}

/** The trends page. */
export async function trendsPageResponse(ctx: AppContext): Promise<Response> {
  return html(await trendsPage(ctx));
}

/** One call's page, or a not-found page. */
export async function callPageResponse(id: string, ctx: AppContext): Promise<Response> {
  const page = await callPage(id, ctx);
  return page ? html(page) : notFoundPage(`No call with id "${id}".`);
}

/** The compare page: two calls or two runs side by side. */
export async function comparePageResponse(url: URL, ctx: AppContext): Promise<Response> {
  const { page, status } = await comparePage(url, ctx);
  return html(page, status);
}

/** One of the dashboard's assets (style sheet, islands bundle). */
export function asset(name: string): Response {
  const found = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (!found) return new Response("Not found", { status: 404 });
  return new Response(found.body, {
    headers: { "content-type": found.type, "cache-control": "no-cache", ...SECURITY },
  });
}
