/**
 * Start-up: time from launching `llmprof up` (dependencies already cached) until it
 * answers its health check, and its memory once idle.
 */

const MAIN = new URL("../main.ts", import.meta.url).pathname;

async function once(): Promise<{ readyMs: number; idleMiB: number }> {
  const home = await Deno.makeTempDir({ prefix: "llmprof-startup-" });
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const start = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--cached-only", "-A", MAIN, "up", "--port", String(port), "--home", home],
    stdout: "null",
    stderr: "null",
  }).spawn();
  let readyMs = NaN;
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/_llmprof/health`);
      await response.body?.cancel();
      readyMs = performance.now() - start;
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 2));
    }
  }
  await new Promise((r) => setTimeout(r, 3_000));
  const status = await Deno.readTextFile(`/proc/${child.pid}/status`);
  const idleMiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  child.kill("SIGTERM");
  await child.status;
  await Deno.remove(home, { recursive: true });
  return { readyMs, idleMiB };
}

/** Runs the start-up benchmark and returns its RESULTS.md section. */
export async function runStartup(runs = 5): Promise<string> {
  await once(); // the first run may still compile; what is measured is every later start
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await once());
  const ready = results.map((r) => r.readyMs).sort((a, b) => a - b);
  const idle = results.map((r) => r.idleMiB).sort((a, b) => a - b);
  return [
    `## Start-up (bench/startup.ts)`,
    ``,
    `\`deno run --cached-only main.ts up\` with dependencies cached, until GET /_llmprof/health answers; memory (RSS of the process, analysis and store workers included) 3 s later, idle. ${runs} starts after a warm-up.`,
    ``,
    `| measure | median | slowest |`,
    `|---|---|---|`,
    `| ready to accept connections | ${ready[Math.floor(runs / 2)].toFixed(0)} ms | ${
      ready[runs - 1].toFixed(0)
    } ms |`,
    `| memory at idle | ${idle[Math.floor(runs / 2)].toFixed(0)} MiB | ${
      idle[runs - 1].toFixed(0)
    } MiB |`,
    ``,
    `Target: ready in under 500 ms after the first run has cached its dependencies.`,
  ].join("\n");
}
