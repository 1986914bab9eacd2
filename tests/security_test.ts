// Who can reach what: the host and origin checks, the token of a shared instance, and the
// start-up refusals, end to end against a real llmprof.
import { chromium } from "playwright-core";
import { assert, assertEquals, assertStringIncludes } from "../testing/assert.ts";
import { chatBody, eventually, testConfig, withRig } from "./_harness.ts";
import { startFakeUpstream } from "./fake_upstream.ts";
import { startLlmprof } from "../server.ts";
import { banner } from "../cli/up.ts";
import { parseConfig } from "../cli/config.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const CHROMIUM = "/usr/bin/chromium";
const TOKEN = "team-token-0123456789abcdef";
const SECRET_PROMPT = "the launch code is tangerine-7";

interface Raw {
  status: number;
  headers: Headers;
  body: string;
}

/** One HTTP/1.1 request over a socket, so the Host header is exactly what a browser under DNS rebinding would send. */
async function raw(
  port: number,
  request: { method?: string; path: string; headers: Record<string, string>; body?: string },
): Promise<Raw> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const body = request.body ?? "";
  const lines = [
    `${request.method ?? "GET"} ${request.path} HTTP/1.1`,
    ...Object.entries({
      ...request.headers,
      connection: "close",
      "content-length": String(body.length),
    })
      .map(([k, v]) => `${k}: ${v}`),
    "",
    body,
  ];
  await conn.write(new TextEncoder().encode(lines.join("\r\n")));
  const text = new TextDecoder().decode(
    await new Response(conn.readable).arrayBuffer(),
  );
  const [head, ...rest] = text.split("\r\n\r\n");
  const [status, ...headerLines] = head.split("\r\n");
  const headers = new Headers(headerLines.map((l) => {
    const i = l.indexOf(":");
    return [l.slice(0, i).trim(), l.slice(i + 1).trim()] as [string, string];
  }));
  let payload = rest.join("\r\n\r\n");
  if (headers.get("transfer-encoding") === "chunked") {
    let out = "";
    let at = 0;
    while (at < payload.length) {
      const end = payload.indexOf("\r\n", at);
      const size = parseInt(payload.slice(at, end), 16);
      if (!size) break;
      out += payload.slice(end + 2, end + 2 + size);
      at = end + 2 + size + 2;
    }
    payload = out;
  }
  return { status: Number(status.split(" ")[1]), headers, body: payload };
}

async function recordOneCall(url: string): Promise<void> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sk-test" },
    body: chatBody({ messages: [{ role: "user", content: SECRET_PROMPT }] }),
  });
  assertEquals(response.status, 200);
  await response.body?.cancel();
}

Deno.test("llmprof's own routes answer only their own hosts and origins, with no cross-origin reads", async () => {
  await withRig(async ({ llmprof, fake }) => {
    const { port } = llmprof;
    await recordOneCall(llmprof.url);
    await eventually(
      async () => (await llmprof.store.listCalls({ limit: 1 })).total === 1,
      "the call is stored",
    );
    const api = "/_llmprof/api/calls";
    const refused: Record<string, string>[] = [
      { host: "evil.example" },
      // DNS rebinding: the attacker's name now resolves to 127.0.0.1, with llmprof's port.
      { host: `evil.example:${port}` },
      { host: `127.0.0.1.evil.example:${port}` },
      { host: `localhost:${port + 1}` },
      { host: `127.0.0.1:${port}`, origin: "http://evil.example" },
      { host: `127.0.0.1:${port}`, origin: "null" },
    ];
    for (const headers of refused) {
      for (const path of [api, "/_llmprof/", "/_llmprof/health", "/"]) {
        const response = await raw(port, { path, headers });
        assertEquals(response.status, 403, `${path} with ${JSON.stringify(headers)}`);
        assert(!response.body.includes(SECRET_PROMPT), "no data");
        assert(!response.body.includes("tangerine"), "no data");
        assertEquals(response.headers.get("access-control-allow-origin"), null);
      }
    }
    const hostError = JSON.parse(
      (await raw(port, { path: api, headers: { host: "box.lan:80" } })).body,
    );
    assertStringIncludes(hostError.error, "--allowed-host box.lan");

    for (
      const host of [
        `127.0.0.1:${port}`,
        `localhost:${port}`,
        `[::1]:${port}`,
        `app.localhost:${port}`,
      ]
    ) {
      const response = await raw(port, {
        path: api,
        headers: { host, origin: `http://${host}` },
      });
      assertEquals(response.status, 200, host);
      assertEquals(response.headers.get("cross-origin-resource-policy"), "same-origin");
      assertEquals(response.headers.get("x-content-type-options"), "nosniff");
      assertEquals(response.headers.get("access-control-allow-origin"), null);
      assertEquals(JSON.parse(response.body).total, 1);
    }
    const page = await raw(port, { path: "/_llmprof/", headers: { host: `localhost:${port}` } });
    assertEquals(page.status, 200);
    assertStringIncludes(page.headers.get("content-security-policy") ?? "", "script-src 'self'");

    // Proxied paths work for any Host (clients in containers), but never serve llmprof's data.
    fake.requests.length = 0;
    const proxied = await raw(port, {
      method: "POST",
      path: "/v1/chat/completions",
      headers: { host: "llmprof.docker.internal", "content-type": "application/json" },
      body: chatBody(),
    });
    assertEquals(proxied.status, 200);
    const passthrough = await raw(port, {
      path: "/v1/models",
      headers: { host: "evil.example" },
    });
    assert(!passthrough.body.includes(SECRET_PROMPT));
  });
});

Deno.test("proxied paths refuse browser requests from foreign origins, and forward loopback and --allowed-origin ones", async () => {
  await withRig(async ({ llmprof, fake }) => {
    const before = fake.requests.length;
    // A page on another site posting no-cors text/plain to plant a call.
    const planted = await fetch(`${llmprof.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "text/plain", origin: "http://evil.example" },
      body: chatBody(),
    });
    assertEquals(planted.status, 403);
    assertStringIncludes((await planted.json()).error, "--allowed-origin http://evil.example");
    assertEquals(fake.requests.length, before, "not forwarded");
    for (
      const origin of ["http://localhost:5173", "https://app.example.com", "http://127.0.0.1:3000"]
    ) {
      const response = await fetch(`${llmprof.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", origin },
        body: chatBody(),
      });
      assertEquals(response.status, 200, origin);
      await response.body?.cancel();
    }
  }, () => ({ allowedOrigins: ["https://app.example.com"] }));
});

Deno.test("--allowed-host names reach the pages and API", async () => {
  await withRig(async ({ llmprof }) => {
    const response = await raw(llmprof.port, {
      path: "/_llmprof/api/calls",
      headers: { host: "llmprof.team.internal:8443", origin: "https://llmprof.team.internal:8443" },
    });
    assertEquals(response.status, 200);
  }, () => ({ allowedHosts: ["llmprof.team.internal"] }));
});

Deno.test("binding beyond loopback without a token exits 2 with one sentence", async () => {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "up", "--host", "0.0.0.0", "--port", "0"],
    env: { LLMPROF_HOME: await Deno.makeTempDir() },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(code, 2);
  const err = new TextDecoder().decode(stderr).trim();
  assertStringIncludes(err, "--token");
  assertStringIncludes(err, "LLMPROF_TOKEN");
  assertEquals(err.split("\n").length, 1);
});

Deno.test("a shared instance: the API needs the token, the CLI traces with it, the browser signs in", async () => {
  const fake = startFakeUpstream({ record: false });
  const home = await Deno.makeTempDir();
  const llmprof = await startLlmprof(
    testConfig(fake.url, {
      host: "0.0.0.0",
      token: TOKEN,
      db: `sqlite:${home}/llmprof.db`,
    }),
    { log: () => {}, workers: 1, flushMs: 20 },
  );
  try {
    await recordOneCall(llmprof.url);
    const api = `${llmprof.url}/_llmprof/api/calls`;
    await eventually(
      async () => (await llmprof.store.listCalls({ limit: 1 })).calls[0]?.analysed === true,
      "the call is stored",
    );
    const without = await fetch(api);
    assertEquals(without.status, 401);
    const body = await without.text();
    assert(!body.includes(SECRET_PROMPT));
    assertStringIncludes(body, "Authorization: Bearer");
    for (const auth of [`Bearer ${TOKEN}x`, "Bearer ", `Basic ${TOKEN}`]) {
      const wrong = await fetch(api, { headers: { authorization: auth } });
      assertEquals(wrong.status, 401, auth);
      await wrong.body?.cancel();
    }
    const health = await fetch(`${llmprof.url}/_llmprof/health`);
    assertEquals(health.status, 401);
    await health.body?.cancel();
    const good = await fetch(api, { headers: { authorization: `Bearer ${TOKEN}` } });
    assertEquals(good.status, 200);
    assertEquals((await good.json()).total, 1);

    // The CLI reads the running instance's API with the token from the environment.
    const cli = (env: Record<string, string>) =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", MAIN, "traces", "--url", llmprof.url],
        env: { LLMPROF_HOME: home, ...env },
        stdout: "piped",
        stderr: "piped",
      }).output();
    const traced = await cli({ LLMPROF_TOKEN: TOKEN });
    const out = new TextDecoder().decode(traced.stdout);
    assertEquals(traced.code, 0, new TextDecoder().decode(traced.stderr));
    assertStringIncludes(out, "gpt-4o");
    assertStringIncludes(out, "1 of 1 calls");
    const refused = await cli({});
    assertEquals(refused.code, 2);
    assertStringIncludes(new TextDecoder().decode(refused.stderr), "LLMPROF_TOKEN");

    // A login POST from another origin is refused before the token is even compared.
    const crossLogin = await fetch(`${llmprof.url}/_llmprof/login`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: "http://evil.example",
      },
      body: `token=${TOKEN}`,
    });
    assertEquals(crossLogin.status, 403);
    assertEquals(crossLogin.headers.get("set-cookie"), null);
    await crossLogin.body?.cancel();

    // The proxied paths need no token: the provider key is the client's credential.
    await recordOneCall(llmprof.url);

    let haveChromium = false;
    try {
      haveChromium = Deno.statSync(CHROMIUM).isFile;
    } catch { /* skipped below */ }
    if (!haveChromium) {
      if (Deno.env.get("CI")) {
        throw new Error("Chromium is missing in CI: .ci/run must install chromium.");
      }
      console.error("\n!!! Chromium is not installed: the browser sign-in test is SKIPPED. !!!\n");
      return;
    }
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--no-first-run"],
    });
    try {
      const page = await browser.newPage();
      await page.goto(`${llmprof.url}/_llmprof/`);
      assertStringIncludes(page.url(), "/_llmprof/login");
      assert(!(await page.content()).includes(SECRET_PROMPT));
      await page.fill('input[name="token"]', "not-the-token-at-all");
      await page.click('button[type="submit"]');
      assertStringIncludes(await page.content(), "not the one llmprof was started with");
      await page.fill('input[name="token"]', TOKEN);
      await page.click('button[type="submit"]');
      await page.waitForURL(`${llmprof.url}/_llmprof/`);
      assertStringIncludes(await page.content(), "<h1>Overview</h1>");
      await page.goto(`${llmprof.url}/_llmprof/calls`);
      assertStringIncludes(await page.content(), "gpt-4o");
      assert(!page.url().includes(TOKEN), "the token is never in a URL");
      const [cookie] = await page.context().cookies();
      assertEquals([cookie.httpOnly, cookie.sameSite], [true, "Strict"]);
      assert(!cookie.value.includes(TOKEN), "the cookie is not the token itself");
      assertEquals(await page.evaluate(() => document.cookie), "", "scripts cannot read it");
      const apiInBrowser = await page.goto(`${llmprof.url}/_llmprof/api/calls`);
      assertEquals(apiInBrowser?.status(), 200);
    } finally {
      await browser.close();
    }
  } finally {
    await llmprof.shutdown();
    await fake.close();
  }
});

Deno.test("the banner shows every address, the mode, and no upstream credentials", () => {
  const config = parseConfig([
    "--host",
    "0.0.0.0",
    "--upstream",
    "http://user:PASSWORD-1234@vllm.internal:8000",
    "--privacy",
    "redact",
  ], { HOME: "/home/ada", LLMPROF_TOKEN: TOKEN });
  const text = banner(config, "http://127.0.0.1:4000", [
    "http://127.0.0.1:4000",
    "http://10.1.2.3:4000",
  ]);
  assert(!text.includes("PASSWORD-1234"), text);
  assert(!text.includes(TOKEN), text);
  assertStringIncludes(text, "http://vllm.internal:8000");
  assertStringIncludes(text, "http://10.1.2.3:4000");
  assertStringIncludes(text, "need the token");
  assertStringIncludes(text, "redact");
});
