// `deno compile` needs Deno's runtime download, which this machine cannot reach; this proves
// what the binary relies on instead: llmprof runs from any working directory, reading nothing
// there and writing nothing into the project, with its dashboard assets embedded.
import { assertEquals, assertStringIncludes } from "../testing/assert.ts";
import { startFakeUpstream } from "./fake_upstream.ts";

const PROJECT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

Deno.test("llmprof serves the proxy and every page from another working directory, reading only its own files", async () => {
  const fake = startFakeUpstream({ record: false });
  const elsewhere = await Deno.makeTempDir({ prefix: "llmprof-cwd-" });
  const home = await Deno.makeTempDir({ prefix: "llmprof-home-" });
  await Deno.writeTextFile(`${elsewhere}/deno.json`, "{ this would break anything that read it }");
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--cached-only",
      `--config=${PROJECT}/deno.json`,
      `--allow-read=${PROJECT},${home}`,
      `--allow-write=${home}`,
      "--allow-net=127.0.0.1",
      "--allow-env",
      "--allow-sys",
      "--allow-ffi",
      `${PROJECT}/main.ts`,
      "up",
      "--port",
      "0",
      "--upstream",
      fake.url,
      "--home",
      home,
    ],
    cwd: elsewhere,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let banner = "";
  while (!/profiling on (http:\/\/\S+)/.test(banner)) {
    const { done, value } = await reader.read();
    if (done) {
      throw new Error(
        `llmprof exited: ${banner} ${new TextDecoder().decode((await child.output()).stderr)}`,
      );
    }
    banner += value;
  }
  reader.releaseLock();
  const base = /profiling on (http:\/\/\S+)/.exec(banner)![1];
  try {
    const call = await fetch(`${base}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "Hi" }] }),
    });
    assertEquals(call.status, 200);
    const id = call.headers.get("x-llmprof-call-id");
    await call.body?.cancel();
    for (let i = 0; i < 400; i++) {
      const { calls } = await (await fetch(`${base}/_llmprof/api/calls`)).json();
      if (calls[0]?.analysed) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    for (
      const path of [
        "/_llmprof/",
        `/_llmprof/calls/${id}`,
        "/_llmprof/runs",
        "/_llmprof/trends",
        "/_llmprof/health",
      ]
    ) {
      const response = await fetch(base + path);
      assertEquals(response.status, 200, path);
      await response.body?.cancel();
    }
    const js = await fetch(`${base}/_llmprof/static/islands.js`);
    assertEquals(js.headers.get("content-type"), "text/javascript; charset=utf-8");
    assertStringIncludes(await js.text(), "data-island");
    assertStringIncludes(await (await fetch(`${base}/_llmprof/static/style.css`)).text(), ".flame");
  } finally {
    child.kill("SIGTERM");
    const { code } = await child.status;
    await child.stdout.cancel().catch(() => {});
    const stderr = new TextDecoder().decode(await new Response(child.stderr).arrayBuffer());
    await fake.close();
    assertEquals(code, 0, stderr);
    assertEquals(
      stderr.includes("PermissionDenied") || stderr.includes("NotCapable"),
      false,
      stderr,
    );
  }
});

Deno.test("the compile task and the README's build steps include every worker script llmprof starts", async () => {
  const workers = new Set<string>();
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(`${PROJECT}/${dir}`)) {
      const path = dir === "" ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory && !/^(node_modules|tests|testing|bench|static|\.)/.test(path)) {
        await walk(path);
      } else if (entry.isFile && path.endsWith(".ts") && !path.endsWith("_test.ts")) {
        const text = await Deno.readTextFile(`${PROJECT}/${path}`);
        for (
          const [, file] of text.matchAll(/new URL\("\.\/(\w*worker\.ts)", import\.meta\.url\)/g)
        ) {
          workers.add(dir === "" ? file : `${dir}/${file}`);
        }
      }
    }
  };
  await walk("");
  assertEquals(workers.size >= 3, true, [...workers].join(", "));
  const config = JSON.parse(await Deno.readTextFile(`${PROJECT}/deno.json`));
  const readme = await Deno.readTextFile(`${PROJECT}/README.md`);
  for (const worker of workers) {
    assertStringIncludes(config.tasks.compile.command, `--include ${worker}`);
    assertStringIncludes(readme, `--include ${worker}`);
  }
});
