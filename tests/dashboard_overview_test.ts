// The overview, the calls list's filters, search and keys, and the live feed, in a real
// browser (Debian's Chromium) over calls recorded through the proxy.
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import type { Browser, Page } from "playwright-core";
import { ARTIFACTS, chromiumFor, launch } from "./_browser.ts";
import { assert, assertEquals, assertStringIncludes } from "../testing/assert.ts";
import { eventually, testConfig } from "./_harness.ts";
import { startFakeUpstream } from "./fake_upstream.ts";
import { type Llmprof, startLlmprof } from "../server.ts";
import { openStore } from "../store/open_store.ts";
import { sampleCall } from "../testing/records.ts";

const haveChromium = chromiumFor("the overview browser tests");

const XSS_IMG = '<img src=x onerror="window.__xss = 3">';
const XSS_RUN = `fake-agent · “${XSS_IMG} tidy up”`;

/** A browser, a fake upstream and an llmprof on a SQLite file, torn down after `fn`. */
async function withDashboard(
  fn: (rig: { browser: Browser; llmprof: Llmprof; db: string }) => Promise<void>,
): Promise<void> {
  const fake = startFakeUpstream({ record: false });
  const db = `sqlite:${await Deno.makeTempDir()}/llmprof.db`;
  const llmprof = await startLlmprof(testConfig(fake.url, { db }), {
    log: () => {},
    workers: 1,
    flushMs: 20,
  });
  const browser = await launch();
  try {
    await fn({ browser, llmprof, db });
  } finally {
    await browser.close();
    await llmprof.shutdown();
    await fake.close();
  }
}

/** Opens a page and waits for its islands to hydrate, failing the test on any console or page error. */
async function open(browser: Browser, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("dialog", (d) => {
    errors.push(`a dialog opened: ${d.message()}`);
    d.dismiss();
  });
  await page.goto(url, { waitUntil: "load" });
  await hydrated(page);
  return { page, errors };
}

async function hydrated(page: Page): Promise<void> {
  await page.waitForFunction(() =>
    [...document.querySelectorAll<HTMLElement>("[data-island]")].every((e) =>
      e.dataset.hydrated === "true"
    )
  );
}

async function shot(page: Page, name: string): Promise<void> {
  await Deno.mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
}

async function noInjection(page: Page): Promise<void> {
  assertEquals(
    await page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss),
    undefined,
    "nothing from a prompt ran",
  );
  assertEquals(await page.locator("main img").count(), 0, "no image element came from a prompt");
}

const apiCalls = async (llmprof: Llmprof, query = "") =>
  await (await fetch(`${llmprof.url}/_llmprof/api/calls?${query}`)).json() as {
    total: number;
    calls: Array<{ id: string; analysed: boolean }>;
  };

/** Waits until `n` calls are stored and analysed. */
async function stored(llmprof: Llmprof, n: number): Promise<void> {
  await eventually(async () => {
    const { total, calls } = await apiCalls(llmprof, "limit=1000");
    return total === n && calls.every((c) => c.analysed);
  }, `the ${n} calls were never all stored`);
}

/** Stores calls beside the running llmprof's, as another llmprof on the same file would. */
async function seed(db: string): Promise<void> {
  const store = await openStore(db);
  const now = Date.now();
  const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000).toISOString();
  const run = (turn: number) => ({
    id: "seeded-run",
    turn,
    source: "new" as const,
    parent_id: null,
    retry_of: null,
    fork: false,
    name: XSS_RUN,
  });
  try {
    await store.writeBatch([1, 2, 3].map((turn) =>
      sampleCall({
        created_at: at(10 - turn),
        session: run(turn),
        input: 2000 * turn,
        cost_usd: 0.5 * turn,
        findings: [{
          kind: "unused_tools",
          tokens: 400,
          usd: 0.2,
          detail: `4 tools never called: ${XSS_IMG}`,
        }],
      })
    ));
  } finally {
    await store.close();
  }
}

Deno.test({
  name:
    "the overview shows spend, top findings, the biggest runs and component shares, escaped, and updates live",
  ignore: !haveChromium,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await withDashboard(async ({ browser, llmprof, db }) => {
      const openai = new OpenAI({ apiKey: "sk-test", baseURL: `${llmprof.url}/v1`, maxRetries: 0 });
      await openai.chat.completions.create({
        model: "gpt-4o",
        messages: [{ role: "user", content: "hello" }],
      });
      await stored(llmprof, 1);
      await seed(db);

      const api = await (await fetch(`${llmprof.url}/_llmprof/api/overview`)).json();
      assertEquals(api.week.calls, 4);
      assertEquals(api.projection.status, "too_little_data", "minutes of traffic: no projection");
      assertEquals(api.findings[0].calls, 3);
      assertEquals(api.findings[0].monthly_usd, null, "no monthly figure without a projection");
      assertEquals(api.runs[0].id, "seeded-run");
      assertEquals([api.runs[0].client, api.runs[0].turns], ["fake-agent", 3]);
      assertEquals(api.runs[0].growth, [2000, 4000, 6000]);

      const { page, errors } = await open(browser, `${llmprof.url}/_llmprof/`);
      assertEquals(await page.locator("nav a.active").innerText(), "Overview");
      assertStringIncludes(await page.innerText("[data-week]"), "4 calls");
      assertStringIncludes(await page.innerText("[data-projection]"), "no monthly projection");
      const finding = page.locator("[data-findings] tbody tr").first();
      assertStringIncludes(await finding.innerText(), "unused tools");
      assertStringIncludes(await finding.innerText(), "<img src=x", "the detail is shown as text");
      assertEquals(
        (await finding.locator("a").getAttribute("href"))?.startsWith("/_llmprof/calls/"),
        true,
      );
      const seeded = page.locator('[data-runs] tr[data-run="seeded-run"]');
      assertStringIncludes(await seeded.innerText(), "tidy up");
      assertStringIncludes(await seeded.innerText(), "<img src=x", "the run name is shown as text");
      assertEquals(await seeded.locator("svg.spark polyline").count(), 1, "a growth sparkline");
      assertEquals(
        await page.locator('[data-components] tr[data-component="system prompt"]').count(),
        1,
      );
      await shot(page, "overview");

      // A new call streams in: the week's count goes up without a reload.
      await openai.chat.completions.create({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "and another" }],
      });
      await page.waitForFunction(
        () => document.querySelector("[data-overview]")?.getAttribute("data-calls") === "5",
        undefined,
        { timeout: 15_000 },
      );
      await noInjection(page);
      assertEquals(errors, []);
    });
  },
});

Deno.test({
  name:
    "the calls list filters from its URL, searches prompts with marked, escaped snippets, moves with j/k/Enter and streams new calls in",
  ignore: !haveChromium,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await withDashboard(async ({ browser, llmprof, db }) => {
      const openai = new OpenAI({ apiKey: "sk-test", baseURL: `${llmprof.url}/v1`, maxRetries: 0 });
      const anthropic = new Anthropic({
        apiKey: "sk-ant-test",
        baseURL: llmprof.url,
        maxRetries: 0,
      });
      await openai.chat.completions.create({
        model: "gpt-4o",
        messages: [{ role: "user", content: `Please audit the flamingo ledger ${XSS_IMG}` }],
      });
      await openai.chat.completions.create({
        model: "gpt-4o",
        messages: [{ role: "user", content: "Count the pelicans." }],
      });
      await anthropic.messages.create({
        model: "claude-sonnet-4-6",
        max_tokens: 50,
        messages: [{ role: "user", content: "Say hi." }],
      });
      // A path llmprof forwards without reading: a passthrough call.
      await (await fetch(`${llmprof.url}/v1/models`, { headers: { authorization: "Bearer sk" } }))
        .body?.cancel();
      await stored(llmprof, 4);
      await seed(db);
      const all = 7;

      // Passthrough calls are hidden until asked for.
      const list = await open(browser, `${llmprof.url}/_llmprof/calls`);
      const rows = list.page.locator("table.calls tbody tr");
      assertEquals(await rows.count(), all - 1);
      await list.page.check("input[name=passthrough]");
      await list.page.waitForFunction(
        (n) => document.querySelectorAll("table.calls tbody tr").length === n,
        all,
      );
      assertStringIncludes(list.page.url(), "passthrough=1");
      await list.page.uncheck("input[name=passthrough]");

      // Filters go into the URL, and the URL alone gives the same list.
      await list.page.selectOption("select[name=provider]", "anthropic");
      await list.page.waitForFunction(() =>
        document.querySelectorAll("table.calls tbody tr").length === 1
      );
      assertStringIncludes(list.page.url(), "provider=anthropic");
      const shared = await open(browser, list.page.url());
      assertEquals(await shared.page.locator("table.calls tbody tr").count(), 1);
      assertEquals(await shared.page.inputValue("select[name=provider]"), "anthropic");
      await shared.page.close();
      await list.page.selectOption("select[name=provider]", "");
      await list.page.check("input[name=findings]");
      await list.page.waitForFunction(() =>
        document.querySelectorAll("table.calls tbody tr").length === 3
      );
      await list.page.uncheck("input[name=findings]");

      // Run names instead of ids, as text; the id on hover.
      const named = list.page.locator("a[data-run-name][title=seeded-run]").first();
      assertStringIncludes(await named.innerText(), "<img src=x");
      assertEquals(await list.page.locator("table.calls .bar i").count() > 0, true);

      // Search: "/" focuses the box; the match is marked, the prompt's markup is text.
      await list.page.locator("h1").click();
      await list.page.keyboard.press("/");
      assertEquals(
        await list.page.evaluate(() => document.activeElement?.getAttribute("name")),
        "q",
      );
      await list.page.keyboard.type("flamingo");
      await list.page.keyboard.press("Enter");
      await list.page.waitForSelector("table.calls .snippet mark");
      assertEquals(await rows.count(), 1);
      assertEquals(await list.page.locator(".snippet mark").first().innerText(), "flamingo");
      assertStringIncludes(await list.page.locator(".snippet").innerText(), "<img src=x");
      assertStringIncludes(list.page.url(), "q=flamingo");
      await shot(list.page, "calls-search");
      await noInjection(list.page);

      // j/k move the selection, Enter opens the selected call.
      const plain = await open(browser, `${llmprof.url}/_llmprof/calls`);
      const second = await plain.page.locator("table.calls tbody tr").nth(1).getAttribute(
        "data-call",
      );
      await plain.page.keyboard.press("j");
      await plain.page.keyboard.press("j");
      await plain.page.keyboard.press("j");
      await plain.page.keyboard.press("k");
      assertEquals(
        await plain.page.locator("table.calls tbody tr.selected").getAttribute("data-call"),
        second,
      );
      await shot(plain.page, "calls-selected");
      await Promise.all([
        plain.page.waitForURL(/\/_llmprof\/calls\/.+/),
        plain.page.keyboard.press("Enter"),
      ]);
      assert(plain.page.url().endsWith(`/calls/${encodeURIComponent(second!)}`), plain.page.url());

      // A call made through the proxy appears in the open list without a reload.
      const live = await open(browser, `${llmprof.url}/_llmprof/calls`);
      await live.page.waitForSelector("body[data-live=ready]");
      await openai.chat.completions.create({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "one more" }],
      });
      await live.page.waitForFunction(
        (n) => document.querySelectorAll("table.calls tbody tr").length === n,
        all,
        { timeout: 15_000 },
      );
      assertEquals(
        await live.page.evaluate(() => performance.getEntriesByType("navigation").length),
        1,
      );
      await noInjection(live.page);
      assertEquals([list.errors, plain.errors, live.errors], [[], [], []]);
    });
  },
});

Deno.test({
  name:
    "the live feed needs the token and a local Origin like every llmprof route, and sends each stored call",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const fake = startFakeUpstream({ record: false });
    const token = "feed-token-0123456789";
    const llmprof = await startLlmprof(
      testConfig(fake.url, { token, db: `sqlite:${await Deno.makeTempDir()}/llmprof.db` }),
      { log: () => {}, workers: 1, flushMs: 20 },
    );
    try {
      const url = `${llmprof.url}/_llmprof/api/events`;
      const without = await fetch(url);
      assertEquals(without.status, 401);
      await without.body?.cancel();
      const foreign = await fetch(url, {
        headers: { authorization: `Bearer ${token}`, origin: "http://evil.example" },
      });
      assertEquals(foreign.status, 403);
      await foreign.body?.cancel();

      const feed = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      assertEquals(feed.status, 200);
      assertStringIncludes(feed.headers.get("content-type") ?? "", "text/event-stream");
      const reader = feed.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = "";
      const until = async (needle: string) => {
        while (!text.includes(needle)) {
          const { value, done } = await reader.read();
          if (done) throw new Error(`the feed ended before "${needle}"`);
          text += value;
        }
      };
      await until("event: ready");
      const openai = new OpenAI({ apiKey: "sk-test", baseURL: `${llmprof.url}/v1`, maxRetries: 0 });
      await openai.chat.completions.create({
        model: "gpt-4o",
        messages: [{ role: "user", content: "hello" }],
      });
      await until("event: call");
      await until("\n\n");
      const data = /event: call\ndata: (.*)\n/.exec(text)?.[1];
      const event = JSON.parse(data!);
      const stored = await llmprof.store.getCall(event.id);
      assertEquals(
        stored?.record.model,
        "gpt-4o",
        "the call is in the store when its event arrives",
      );
      await reader.cancel();
    } finally {
      await llmprof.shutdown();
      await fake.close();
    }
  },
});
