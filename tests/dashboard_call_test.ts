// The call, compare and run pages in a real browser (Debian's Chromium): treemap, turn diff,
// copy as curl, the request download, compare, the run timeline, themes, phone width, axe.
import OpenAI from "openai";
import type { Browser, BrowserContextOptions, Page } from "playwright-core";
import { ARTIFACTS, chromiumFor, launch } from "./_browser.ts";
import { assert, assertEquals, assertStringIncludes } from "../testing/assert.ts";
import { eventually, testConfig } from "./_harness.ts";
import { assertAccessible } from "./_axe.ts";
import { startFakeUpstream } from "./fake_upstream.ts";
import { type Llmprof, startLlmprof } from "../server.ts";
import { openStore } from "../store/mod.ts";
import { sampleCall } from "../testing/records.ts";
import type { RunRef } from "../core/record.ts";

const haveChromium = chromiumFor("the call and run page browser tests");

const XSS_SCRIPT = "<script>window.__xss = 1</script>";
const XSS_IMG = '<img src=x onerror="window.__xss = 2">';
/** Tool names as prompts give them: plain, an MCP server's, and one built to inject markup. */
const TOOLS = ["get_weather", "mcp__github__create_issue", `evil_${XSS_IMG}`];

/** Opens a page and waits for its islands to hydrate, failing the test on any console or page error. */
async function open(
  browser: Browser,
  url: string,
  shot: string,
  context: BrowserContextOptions & { islands?: boolean } = {},
): Promise<{ page: Page; errors: string[] }> {
  const { islands: _islands, ...options } = context;
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("dialog", (d) => {
    errors.push(`a dialog opened: ${d.message()}`);
    d.dismiss();
  });
  await page.goto(url);
  // Pages with islands are ready once they hydrate; the sign-in page has none.
  if (context.islands !== false) await page.waitForSelector("html[data-hydrated='true']");
  await Deno.mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}${shot}.png`, fullPage: true });
  return { page, errors };
}

async function noInjection(page: Page): Promise<void> {
  assertEquals(
    await page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss),
    undefined,
    "nothing from a prompt ran",
  );
}

interface Recorded {
  llmprof: Llmprof;
  browser: Browser;
  /** The run's call ids in turn order. */
  turns: string[];
  run: string;
  /** A second, shorter run. */
  otherRun: string;
}

/** An agent's tool loop through llmprof (one run, three tools), then `fn` with a browser. */
async function withRun(fn: (rig: Recorded) => Promise<void>): Promise<void> {
  const fake = startFakeUpstream({ record: false });
  const llmprof = await startLlmprof(
    testConfig(fake.url, { db: `sqlite:${await Deno.makeTempDir()}/llmprof.db` }),
    { log: () => {}, workers: 1, flushMs: 20 },
  );
  const browser = await launch();
  try {
    const openai = new OpenAI({
      apiKey: "sk-test-secret-key",
      baseURL: `${llmprof.url}/v1`,
      maxRetries: 0,
    });
    const tools = TOOLS.map((name) => ({
      type: "function" as const,
      function: {
        name,
        description: `The ${name} tool`,
        parameters: { type: "object", properties: { q: { type: "string" } } },
      },
    }));
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{
      role: "system",
      content: `You are a careful agent. ${XSS_IMG}`,
    }];
    for (const question of ["Weather in Paris?", `Summarise ${XSS_SCRIPT}`]) {
      messages.push({ role: "user", content: question });
      for (;;) {
        const message =
          (await openai.chat.completions.create({ model: "gpt-4o", messages, tools })).choices[0]
            .message;
        messages.push(message);
        if (!message.tool_calls?.length) break;
        for (const c of message.tool_calls) {
          messages.push({
            role: "tool",
            tool_call_id: c.id,
            content: `result ${XSS_IMG} ${"lots of tool output ".repeat(300)}`,
          });
        }
      }
    }
    // A second, shorter run with another system prompt, to compare runs.
    const other: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [
      { role: "system", content: `You are a terse agent. ${XSS_SCRIPT}` },
      { role: "user", content: "Weather in Rome?" },
    ];
    for (;;) {
      const message =
        (await openai.chat.completions.create({ model: "gpt-4o", messages: other, tools }))
          .choices[0].message;
      other.push(message);
      if (!message.tool_calls?.length) break;
      for (const c of message.tool_calls) {
        other.push({ role: "tool", tool_call_id: c.id, content: "sunny" });
      }
    }
    let turns: string[] = [];
    let otherRun = "";
    let run = "";
    await eventually(async () => {
      const { calls } = await (await fetch(`${llmprof.url}/_llmprof/api/calls?model=gpt-4o`))
        .json();
      if (!calls.every((c: { analysed: boolean }) => c.analysed)) return false;
      const longest = (calls as Array<{ session_id: string; turn: number }>)
        .toSorted((x, y) => y.turn - x.turn);
      run = longest[0]?.session_id ?? "";
      otherRun = longest.find((c) => c.session_id !== run && c.turn >= 2)?.session_id ?? "";
      turns = calls.filter((c: { session_id: string }) => c.session_id === run)
        .sort((a: { turn: number }, b: { turn: number }) => a.turn - b.turn)
        .map((c: { id: string }) => c.id);
      return turns.length >= 3 && otherRun !== "";
    }, "the agent's turns were never stored as two runs");
    await fn({ llmprof, browser, turns, run, otherRun });
  } finally {
    await browser.close();
    await llmprof.shutdown();
    await fake.close();
  }
}

Deno.test({
  name:
    "a call page shows its prompt as a treemap on demand, the turn's priced diff, copy as curl and the request as JSON",
  ignore: !haveChromium,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await withRun(async ({ llmprof, browser, turns }) => {
      const last = turns[turns.length - 1];
      const { page, errors } = await open(
        browser,
        `${llmprof.url}/_llmprof/calls/${last}`,
        "call-page",
        { permissions: ["clipboard-read", "clipboard-write"] },
      );

      // The flame graph labels an MCP tool with its server.
      const labels = await page.locator(".flame .frame").allInnerTexts();
      assert(labels.some((l) => l.startsWith("create_issue · MCP github")), labels.join(" | "));

      // The toggle swaps the flame graph for a treemap of the same tree.
      await page.click("[data-view-button='treemap']");
      await page.waitForSelector("[data-treemap] .tile");
      assertEquals(await page.locator(".flame").count(), 0);
      assertEquals(
        await page.getAttribute("[data-view-button='treemap']", "aria-pressed"),
        "true",
      );
      const tiles = await page.locator("[data-treemap] .tile").evaluateAll((els) =>
        els.map((e) => ({
          name: e.getAttribute("data-tile"),
          depth: e.getAttribute("data-depth"),
          title: e.getAttribute("title") ?? "",
          area: e.getBoundingClientRect().width * e.getBoundingClientRect().height,
        }))
      );
      const results = tiles.find((t) => t.name === "tool results");
      const system = tiles.find((t) => t.name === "system prompt");
      assert(results && system && results.area > system.area, JSON.stringify(tiles));
      const mcp = tiles.find((t) => t.name === "mcp__github__create_issue" && t.depth === "3");
      assert(mcp, `a tile for the MCP tool: ${JSON.stringify(tiles.map((t) => t.name))}`);
      assertStringIncludes(mcp.title, "tool create_issue");
      assertStringIncludes(mcp.title, "MCP server github");
      await page.screenshot({ path: `${ARTIFACTS}call-treemap.png`, fullPage: true });
      await page.click("[data-view-button='flame']");
      await page.waitForSelector(".flame .frame");

      // The diff against the previous turn, in tokens and dollars.
      const diff = await page.innerText("[data-turn-diff]");
      assertStringIncludes(diff, "What this turn changed");
      assertStringIncludes(await page.innerText("[data-diff-added]"), "(+$");
      assert(
        await page.locator("[data-turn-diff] tr[data-block-change='added']").count() > 0,
        "the blocks this turn added",
      );
      assertStringIncludes(
        await page.innerText("[data-turn-diff] table.turn-diff"),
        "tool results",
      );
      assert(!/\$0\.0000|e-\d/.test(diff), `no float noise in the diff: ${diff}`);

      // Copy as curl: the stored body, the key as a variable, never the key itself.
      await page.click("button[data-copy-curl]");
      await page.waitForSelector("button[data-copy-curl]:has-text('Copied')");
      const curl = await page.evaluate(() => navigator.clipboard.readText());
      assertEquals(curl, await page.locator("[data-curl]").textContent());
      assert(curl.startsWith(`curl '${llmprof.url}/v1/chat/completions'`), curl.slice(0, 200));
      assertStringIncludes(curl, '-H "Authorization: Bearer $OPENAI_API_KEY"');
      assert(!curl.includes("sk-test-secret-key"), "the key is never shown");
      const body = JSON.parse(
        curl.slice(curl.indexOf("\n{") + 1, curl.lastIndexOf("\nLLMPROF_BODY")),
      );
      assertEquals(body.model, "gpt-4o");

      // The request as a JSON download.
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.click("[data-download-request]"),
      ]);
      assertStringIncludes(download.suggestedFilename(), ".json");
      const file = JSON.parse(await Deno.readTextFile(await download.path()));
      assertEquals(file, body);
      assert(!JSON.stringify(file).includes("sk-test-secret-key"));

      await noInjection(page);
      await assertAccessible(page, "the call page");
      assertEquals(errors, []);
    });
  },
});

Deno.test({
  name:
    "compare shows two calls and two runs side by side, with the first difference escaped, and as JSON",
  ignore: !haveChromium,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await withRun(async ({ llmprof, browser, turns, run, otherRun }) => {
      const [first, last] = [turns[0], turns[turns.length - 1]];
      // From the call page: compare with the previous turn.
      const call = await open(browser, `${llmprof.url}/_llmprof/calls/${last}`, "call-for-compare");
      await call.page.click("[data-compare-previous]");
      await call.page.waitForSelector("[data-compare-components]");
      assertStringIncludes(call.page.url(), `b=${last}`);
      assertEquals(call.errors, []);

      const calls = await open(
        browser,
        `${llmprof.url}/_llmprof/compare?a=${first}&b=${last}`,
        "compare-calls",
      );
      const results = await calls.page.innerText(
        "[data-compare-components] [data-component='tool results']",
      );
      assertStringIncludes(results, "+");
      assertStringIncludes(await calls.page.innerText("[data-compare-totals]"), "cost");
      const tools = await calls.page.innerText("[data-compare-tools]");
      assertStringIncludes(tools, "create_issue · MCP github");
      assertStringIncludes(tools, `evil_${XSS_IMG}`, "a tool's name is shown as text");
      const difference = await calls.page.innerText("[data-first-difference]");
      assertStringIncludes(difference, "First differing message: number 3");
      await noInjection(calls.page);
      await assertAccessible(calls.page, "the compare page (calls)");
      assertEquals(calls.errors, []);

      const json = await (await fetch(`${llmprof.url}/_llmprof/api/compare?a=${first}&b=${last}`))
        .json();
      assertEquals([json.kind, json.a.id, json.b.id], ["calls", first, last]);
      assertEquals(json.first_difference.message.index, 2);

      // Two runs, picked on the runs page.
      const runs = await open(browser, `${llmprof.url}/_llmprof/runs?id=${run}`, "runs-picker");
      await runs.page.selectOption("[data-compare-runs] select >> nth=0", run);
      await runs.page.selectOption("[data-compare-runs] select >> nth=1", otherRun);
      await runs.page.click("[data-compare-runs] button");
      await runs.page.waitForSelector("[data-compare-totals]");
      await runs.page.waitForSelector("html[data-hydrated='true']");
      await runs.page.screenshot({ path: `${ARTIFACTS}compare-runs.png`, fullPage: true });
      assertStringIncludes(await runs.page.innerText("[data-compare-totals]"), "turns");
      const firstDiff = await runs.page.innerText("[data-difference-b]");
      assertStringIncludes(firstDiff, `terse agent. ${XSS_SCRIPT}`, "the prompt is shown as text");
      await noInjection(runs.page);
      await assertAccessible(runs.page, "the compare page (runs)");
      assertEquals(runs.errors, []);
      const both =
        await (await fetch(`${llmprof.url}/_llmprof/api/compare?runs=${run},${otherRun}`))
          .json();
      assertEquals([both.kind, both.a.id, both.b.id], ["runs", run, otherRun]);
      assertEquals(
        (await fetch(`${llmprof.url}/_llmprof/api/compare?runs=${run}`)).status,
        400,
      );
      assertEquals(
        (await fetch(`${llmprof.url}/_llmprof/api/compare?a=${first}&b=nope`)).status,
        404,
      );

      // With nothing named, the page offers a picker.
      const picker = await open(browser, `${llmprof.url}/_llmprof/compare`, "compare-picker");
      assertEquals(await picker.page.locator("[data-compare-calls] input").count(), 2);
      await assertAccessible(picker.page, "the compare picker");
      assertEquals(picker.errors, []);
    });
  },
});

/** A main run of three turns (the third jumps most, two read from the cache) and a subagent its second turn spawned, written straight to a store. */
async function seededStore(): Promise<string> {
  const db = `sqlite:${await Deno.makeTempDir()}/llmprof.db`;
  const store = await openStore(db);
  const session = (id: string, turn: number, more: Partial<RunRef> = {}): RunRef => ({
    id,
    turn,
    source: turn === 1 ? "agent" : "chain",
    parent_id: null,
    retry_of: null,
    fork: false,
    ...more,
  });
  const usage = (input: number, cached: number) => ({
    input_tokens: input,
    output_tokens: 50,
    cache_read_tokens: cached,
    cache_write_tokens: 0,
    cache_write_1h_tokens: 0,
    reasoning_tokens: 0,
    source: "provider" as const,
  });
  const at = (s: number) => new Date(Date.UTC(2026, 10, 27, 10, 0, s)).toISOString();
  await store.writeBatch([
    sampleCall({
      id: "main-1",
      created_at: at(1),
      input: 1_000,
      usage: usage(1_000, 0),
      session: session("main", 1, { name: `claude · Fix it ${XSS_IMG}` }),
    }),
    sampleCall({
      id: "main-2",
      created_at: at(2),
      input: 1_500,
      usage: usage(1_500, 900),
      session: session("main", 2),
    }),
    sampleCall({
      id: "sub-1",
      created_at: at(3),
      input: 700,
      cost_usd: 0.004,
      usage: usage(700, 0),
      session: session("sub", 1, {
        source: "subagent",
        name: `subagent · ${XSS_SCRIPT}`,
        parent_run: "main",
        parent_turn: 2,
      }),
    }),
    sampleCall({
      id: "sub-2",
      created_at: at(4),
      input: 900,
      cost_usd: 0.005,
      usage: usage(900, 600),
      session: session("sub", 2),
    }),
    sampleCall({
      id: "main-3",
      created_at: at(5),
      input: 6_000,
      usage: usage(6_000, 1_400),
      session: session("main", 3),
    }),
  ]);
  await store.close();
  return db;
}

Deno.test({
  name:
    "the run page stacks turns by component with the cache read outlined, calls out the biggest jump, nests the subagent under its turn and opens each turn's call",
  ignore: !haveChromium,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const llmprof = await startLlmprof(
      testConfig("http://127.0.0.1:9", { db: await seededStore() }),
      { log: () => {}, analyse: false },
    );
    const browser = await launch();
    try {
      const { page, errors } = await open(browser, `${llmprof.url}/_llmprof/runs?id=main`, "run");
      await page.waitForSelector("[data-timeline] svg");
      assertEquals(await page.getAttribute("[data-timeline] svg", "data-turns"), "3");
      // Two turns read from the cache: two dashed outlines.
      assertEquals(
        await page.locator("[data-timeline] svg rect[aria-label='read from cache']").count(),
        2,
      );
      const chart = await page.innerText("[data-timeline]");
      assertStringIncludes(chart, "biggest jump");
      assertStringIncludes(await page.innerText("[data-biggest-jump]"), "turn 3");
      assertStringIncludes(await page.innerText("[data-biggest-jump]"), "+4,500");
      assertStringIncludes(await page.innerText("tr[data-turn='3']"), "biggest jump");
      // 900 of turn 2's 1,500 tokens came from the cache.
      assertStringIncludes(await page.innerText("tr[data-turn='2']"), "60%");
      // The subagent sits right under the turn that spawned it.
      const after = await page.evaluate(() =>
        document.querySelector("tr[data-turn='2']")?.nextElementSibling?.getAttribute(
          "data-subagent",
        )
      );
      assertEquals(after, "sub");
      assertStringIncludes(await page.innerText("tr[data-subagent]"), `subagent · ${XSS_SCRIPT}`);
      assertStringIncludes(await page.innerText(".run-name"), `Fix it ${XSS_IMG}`);
      await noInjection(page);
      await assertAccessible(page, "the run page");
      assertEquals(errors, []);

      // A bar opens its turn's call; so does the table.
      await page.click("[data-timeline] svg a >> nth=0");
      await page.waitForURL(/\/_llmprof\/calls\/main-1$/);
      await page.goBack();
      await page.waitForSelector("html[data-hydrated='true']");
      await page.click("a[data-turn-link='3']");
      await page.waitForURL(/\/_llmprof\/calls\/main-3$/);
      assertEquals(errors, []);

      const sub = await open(browser, `${llmprof.url}/_llmprof/runs?id=sub`, "subagent-run");
      assertStringIncludes(await sub.page.innerText("main"), "Spawned by run");
      await noInjection(sub.page);
      assertEquals(sub.errors, []);
    } finally {
      await browser.close();
      await llmprof.shutdown();
    }
  },
});

Deno.test({
  name:
    "every page follows a dark system theme, fits a phone's width without sideways scroll, and passes axe",
  ignore: !haveChromium,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await withRun(async ({ llmprof, browser, turns, run, otherRun }) => {
      const base = `${llmprof.url}/_llmprof`;
      const pages: Array<[string, string]> = [
        ["overview", `${base}/`],
        ["calls", `${base}/calls`],
        ["calls-search", `${base}/calls?q=the&passthrough=1`],
        ["call", `${base}/calls/${turns[turns.length - 1]}`],
        ["runs", `${base}/runs`],
        ["run", `${base}/runs?id=${run}`],
        ["trends", `${base}/trends`],
        ["compare", `${base}/compare?a=${turns[0]}&b=${turns[turns.length - 1]}`],
        ["compare-runs", `${base}/compare?runs=${run},${otherRun}`],
      ];
      for (const [name, url] of pages) {
        for (const scheme of ["light", "dark"] as const) {
          const { page, errors } = await open(browser, url, `${name}-${scheme}-phone`, {
            viewport: { width: 390, height: 844 },
            colorScheme: scheme,
          });
          const width = await page.evaluate(() => document.scrollingElement!.scrollWidth);
          assert(width <= 390, `${name} scrolls sideways at 390 px (${width} px wide)`);
          const background = await page.evaluate(() =>
            getComputedStyle(document.body).backgroundColor
          );
          assertEquals(
            background,
            scheme === "dark" ? "rgb(11, 15, 23)" : "rgb(248, 249, 251)",
            `${name} in the ${scheme} theme`,
          );
          if (scheme === "dark") {
            await page.screenshot({ path: `${ARTIFACTS}${name}-dark-phone-top.png` });
          }
          await assertAccessible(page, `${name} (${scheme}, 390 px)`);
          await noInjection(page);
          assertEquals(errors, [], `${name} (${scheme})`);
          await page.context().close();
        }
      }
    });
  },
});

Deno.test({
  name: "the sign-in page passes axe in both themes",
  ignore: !haveChromium,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const llmprof = await startLlmprof(
      testConfig("http://127.0.0.1:9", { token: "a-token-long-enough-to-share-1234" }),
      { log: () => {}, analyse: false },
    );
    const browser = await launch();
    try {
      for (const scheme of ["light", "dark"] as const) {
        const { page, errors } = await open(
          browser,
          `${llmprof.url}/_llmprof/`,
          `login-${scheme}`,
          {
            colorScheme: scheme,
            islands: false,
          },
        );
        assertStringIncludes(page.url(), "/_llmprof/login");
        await assertAccessible(page, `the sign-in page (${scheme})`);
        assertEquals(errors, []);
        await page.context().close();
      }
    } finally {
      await browser.close();
      await llmprof.shutdown();
    }
  },
});
