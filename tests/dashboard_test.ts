// The dashboard in a real browser (Debian's Chromium), over calls recorded through the proxy.
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { GoogleGenAI } from "@google/genai";
import type { Browser, Page } from "playwright-core";
import { ARTIFACTS, chromiumFor, launch } from "./_browser.ts";
import { assert, assertEquals, assertStringIncludes } from "../testing/assert.ts";
import { eventually, testConfig } from "./_harness.ts";
import { type FakeOptions, startFakeUpstream } from "./fake_upstream.ts";
import { type Llmprof, startLlmprof } from "../server.ts";

const haveChromium = chromiumFor("the dashboard browser tests");

const XSS_SCRIPT = "<script>window.__xss = 1</script>";
const XSS_IMG = '<img src=x onerror="window.__xss = 2">';
const TOOLS = ["get_weather", "search_web", "read_file"];

/** A browser, a fake upstream and an llmprof on a SQLite file, torn down after `fn`. */
async function withDashboard(
  fakeOptions: FakeOptions,
  fn: (rig: { browser: Browser; llmprof: Llmprof }) => Promise<void>,
): Promise<void> {
  const fake = startFakeUpstream({ record: false, ...fakeOptions });
  const llmprof = await startLlmprof(
    testConfig(fake.url, { db: `sqlite:${await Deno.makeTempDir()}/llmprof.db` }),
    { log: () => {}, workers: 1, flushMs: 20 },
  );
  const browser = await launch();
  try {
    await fn({ browser, llmprof });
  } finally {
    await browser.close();
    await llmprof.shutdown();
    await fake.close();
  }
}

/** Opens a page, failing the test on any console error or page error. */
async function open(
  browser: Browser,
  url: string,
  shot: string,
): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("dialog", (d) => {
    errors.push(`a dialog opened: ${d.message()}`);
    d.dismiss();
  });
  // The live feed keeps a connection open, so the network never goes quiet: wait for the islands.
  await page.goto(url, { waitUntil: "load" });
  await page.waitForFunction(() =>
    [...document.querySelectorAll<HTMLElement>("[data-island]")].every((e) =>
      e.dataset.hydrated === "true"
    )
  );
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

Deno.test({
  name:
    "a cache break is shown in the call view as before and after text, and counts as reclaimable",
  ignore: !haveChromium,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await withDashboard({ promptCache: true }, async ({ browser, llmprof }) => {
      const anthropic = new Anthropic({
        apiKey: "sk-ant-test",
        baseURL: llmprof.url,
        maxRetries: 0,
      });
      const system = (time: string) => [{
        type: "text" as const,
        text: `Now: ${time} ${XSS_IMG}\n${"Follow the house rules. ".repeat(200)}`,
        cache_control: { type: "ephemeral" as const },
      }];
      const question = { role: "user" as const, content: "Fix the build." };
      const first = await anthropic.messages.create({
        model: "claude-sonnet-4-6",
        max_tokens: 100,
        system: system("10:00:01"),
        messages: [question],
      });
      await anthropic.messages.create({
        model: "claude-sonnet-4-6",
        max_tokens: 100,
        system: system("10:01:07"),
        messages: [question, { role: "assistant", content: first.content }, {
          role: "user",
          content: [{ type: "text", text: "Go on.", cache_control: { type: "ephemeral" } }],
        }],
      });
      let id = "";
      await eventually(async () => {
        const { calls } = await (await fetch(`${llmprof.url}/_llmprof/api/calls`)).json();
        id = calls.find((c: { turn: number | null }) => c.turn === 2)?.id ?? "";
        return calls.length === 2 && calls.every((c: { analysed: boolean }) => c.analysed) && id;
      }, "the two turns were never stored as one run");

      const view = await open(browser, `${llmprof.url}/_llmprof/calls/${id}`, "cache-break");
      const finding = view.page.locator(".finding.cache_break");
      assertStringIncludes(await finding.innerText(), "Cache break");
      assertStringIncludes(await finding.locator("pre.was").innerText(), "10:00:01");
      assertStringIncludes(await finding.locator("pre.now").innerText(), "10:01:07");
      assertStringIncludes(await finding.locator(".change .muted").innerText(), "system prompt");
      await noInjection(view.page);
      assertEquals(view.errors, []);

      const trends = await open(browser, `${llmprof.url}/_llmprof/trends`, "trends-reclaimable");
      const banner = await trends.page.innerText("[data-reclaimable]");
      // Two calls a moment apart: what the findings could have saved so far, not a monthly figure.
      assertStringIncludes(banner, "reclaimable so far");
      assert(!banner.startsWith("$0 "), banner);
      assertEquals(trends.errors, []);
    });
  },
});

Deno.test({
  name:
    "the dashboard's pages work in a real browser over recorded calls, and nothing from a prompt executes",
  ignore: !haveChromium,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await withDashboard({}, async ({ browser, llmprof }) => {
      // An agent's tool loop: one run of several turns, three tools.
      const openai = new OpenAI({ apiKey: "sk-test", baseURL: `${llmprof.url}/v1`, maxRetries: 0 });
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
        content: "You are a careful agent.",
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
            messages.push({ role: "tool", tool_call_id: c.id, content: `result ${XSS_IMG}` });
          }
        }
      }
      const anthropic = new Anthropic({
        apiKey: "sk-ant-test",
        baseURL: llmprof.url,
        maxRetries: 0,
      });
      await anthropic.messages.create({
        model: "claude-sonnet-4-6",
        max_tokens: 100,
        system: XSS_IMG,
        messages: [{ role: "user", content: XSS_SCRIPT }],
      });
      const total = 5;
      await eventually(async () => {
        const { calls, total: n } = await (await fetch(`${llmprof.url}/_llmprof/api/calls`)).json();
        return n === total && calls.every((c: { analysed: boolean }) => c.analysed);
      }, "the calls were never all stored");
      const { calls } = await (await fetch(`${llmprof.url}/_llmprof/api/calls?model=gpt-4o`))
        .json();
      const toolCall = calls[0]; // the run's last turn: every message and all three tools

      // Calls list: every call, and a new one appears without a reload.
      const list = await open(browser, `${llmprof.url}/_llmprof/calls`, "calls");
      assertEquals(await list.page.locator("table.calls tbody tr").count(), total);
      await openai.chat.completions.create({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "one more" }],
      });
      await list.page.waitForFunction(
        (n) => document.querySelectorAll("table.calls tbody tr").length === n,
        total + 1,
        { timeout: 15_000 },
      );
      await list.page.selectOption("select[name=sort]", "cost");
      await list.page.waitForFunction(() => location.search.includes("sort=cost"));
      await noInjection(list.page);
      assertEquals(list.errors, []);

      // Call view: a frame per tool under tool schemas; click zooms, the breadcrumb zooms out.
      const view = await open(browser, `${llmprof.url}/_llmprof/calls/${toolCall.id}`, "call");
      const toolFrames = await view.page.locator('.flame .frame[data-depth="2"]').evaluateAll((
        els,
      ) => els.map((e) => e.getAttribute("data-frame")));
      for (const tool of TOOLS) {
        assert(toolFrames.includes(tool), `a frame for ${tool}: ${toolFrames}`);
      }
      await view.page.click('.flame .frame[data-frame="tool schemas"]');
      await view.page.waitForSelector('.flame .crumbs button[data-crumb="tool schemas"]');
      const zoomed = await view.page.locator('.flame .frame[data-frame="get_weather"]').evaluate((
        e,
      ) => (e as HTMLElement).style.width);
      assert(parseFloat(zoomed) > 20, `zoomed in, a tool takes a third of the width (${zoomed})`);
      await view.page.hover('.flame .frame[data-frame="get_weather"]');
      assertStringIncludes(await view.page.locator(".flame .tip").innerText(), "of the context");
      await view.page.screenshot({ path: `${ARTIFACTS}call-zoomed.png`, fullPage: true });
      await view.page.click('.flame .crumbs button[data-crumb="context"]');
      await view.page.waitForSelector('.flame .frame[data-frame="system prompt"]');
      assertStringIncludes(
        await view.page.content(),
        "Summarise &lt;script&gt;",
        "the prompt is shown as text",
      );
      await noInjection(view.page);
      assertEquals(view.errors, []);

      // Timeline: one bar per turn of the run.
      const runs = await open(
        browser,
        `${llmprof.url}/_llmprof/runs?id=${encodeURIComponent(toolCall.session_id)}`,
        "runs",
      );
      await runs.page.waitForSelector("[data-timeline] svg");
      assertEquals(await runs.page.getAttribute("[data-timeline] svg", "data-turns"), "4");
      const bars = await runs.page.locator("[data-timeline] svg g[aria-label='bar'] rect")
        .evaluateAll((rects) => new Set(rects.map((r) => r.getAttribute("x"))).size);
      assertEquals(bars, 4);
      await noInjection(runs.page);
      assertEquals(runs.errors, []);

      // Trends: the chart, the projection with its basis, the routes leaderboard.
      const trends = await open(browser, `${llmprof.url}/_llmprof/trends`, "trends");
      await trends.page.waitForSelector("[data-cost-chart] svg");
      // Six calls a moment apart: the spend so far, and why there is no monthly figure yet.
      const projection = await trends.page.innerText("[data-projection]");
      assertStringIncludes(projection, "spent so far");
      assertStringIncludes(projection, "needs at least a day of traffic; the 6 calls so far span");
      assertStringIncludes(
        await trends.page.innerText("[data-routes]"),
        "chat completions · gpt-4o · You are a careful agent. · 3 tools",
      );
      await noInjection(trends.page);
      assertEquals(trends.errors, []);
    });
  },
});

Deno.test({
  name: "an empty dashboard teaches set-up with the exact base URLs",
  ignore: !haveChromium,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const llmprof = await startLlmprof(testConfig("http://127.0.0.1:9"), {
      log: () => {},
      analyse: false,
    });
    const browser = await launch();
    try {
      const { page, errors } = await open(browser, `${llmprof.url}/`, "empty");
      const text = await page.innerText("main");
      for (
        const line of [
          `${llmprof.url}/v1`,
          `ANTHROPIC_BASE_URL=${llmprof.url} claude`,
          `codex -c openai_base_url=${llmprof.url}/v1`,
          `GOOGLE_GEMINI_BASE_URL=${llmprof.url} gemini`,
          `new AzureOpenAI({ endpoint: "${llmprof.url}"`,
        ]
      ) {
        assertStringIncludes(text, line);
      }
      assertEquals(errors, []);
    } finally {
      await browser.close();
      await llmprof.shutdown();
    }
  },
});

Deno.test({
  name: "a Gemini call shows its flame graph, messages and run in the browser, escaped",
  ignore: !haveChromium,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await withDashboard({}, async ({ browser, llmprof }) => {
      const ai = new GoogleGenAI({ apiKey: "AIza-test", httpOptions: { baseUrl: llmprof.url } });
      const config = {
        systemInstruction: `Be careful. ${XSS_IMG}`,
        tools: [{
          functionDeclarations: TOOLS.map((name) => ({ name, description: `The ${name} tool` })),
        }],
      };
      const contents = [{ role: "user", parts: [{ text: `Weather? ${XSS_SCRIPT}` }] }];
      const first = await ai.models.generateContent({
        model: "gemini-2.5-flash",
        contents,
        config,
      });
      await ai.models.generateContent({
        model: "gemini-2.5-flash",
        config,
        contents: [...contents, first.candidates![0].content!, {
          role: "user",
          parts: [{ functionResponse: { name: "get_weather", response: { out: XSS_IMG } } }],
        }],
      });
      let id = "";
      let run = "";
      await eventually(async () => {
        const { calls } = await (await fetch(`${llmprof.url}/_llmprof/api/calls`)).json();
        const last = calls.find((c: { turn: number | null }) => c.turn === 2);
        id = last?.id ?? "";
        run = last?.session_id ?? "";
        return calls.length === 2 && calls.every((c: { analysed: boolean }) => c.analysed) && id;
      }, "the two Gemini turns were never stored as one run");
      const view = await open(browser, `${llmprof.url}/_llmprof/calls/${id}`, "gemini-call");
      const frames = await view.page.locator('.flame .frame[data-depth="2"]').evaluateAll((els) =>
        els.map((e) => e.getAttribute("data-frame"))
      );
      for (const tool of TOOLS) assert(frames.includes(tool), `a frame for ${tool}: ${frames}`);
      const page = await view.page.content();
      assertStringIncludes(page, "generateContent");
      assertStringIncludes(page, "Weather? &lt;script&gt;", "the prompt is shown as text");
      assertStringIncludes(page, "→ get_weather(");
      await noInjection(view.page);
      assertEquals(view.errors, []);
      const runs = await open(
        browser,
        `${llmprof.url}/_llmprof/runs?id=${encodeURIComponent(run)}`,
        "gemini-run",
      );
      await runs.page.waitForSelector("[data-timeline] svg");
      assertEquals(await runs.page.getAttribute("[data-timeline] svg", "data-turns"), "2");
      await noInjection(runs.page);
      assertEquals(runs.errors, []);
    });
  },
});
