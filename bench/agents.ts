/**
 * Realistic agent traffic: 200 coding agents at once, each turn a streamed chat call of about
 * 30,000 prompt tokens with 25 tools that grows turn by turn, answered in 50 SSE chunks 20 ms
 * apart. The same agents run straight to the upstream, through a bare pass-through and through
 * llmprof, interleaved, each proxy in a fresh process. Then llmprof's memory over 100,000 stored calls.
 */
import { quantile } from "./_load.ts";
import { addCpuByRole, type ServerProcess, spawnServer } from "./_process.ts";
import { drained } from "./_health.ts";
import { agentRun } from "../testing/agent_run.ts";

/** What one round of agent traffic measured. */
interface Round {
  /** Gaps between consecutive chunks as the agents read them, ms. */
  gaps: number[];
  turns: number;
  errors: number;
  seconds: number;
}

/**
 * Each agent's requests: turns of an agent run from the first that reaches `tokens` prompt
 * tokens (about four characters each), its tool results its own so no two agents share them.
 */
function agentTurns(agents: number, turns: number, tokens: number): string[][] {
  const run = agentRun(120, { tools: 25, resultChars: 4_000 }).map((r) =>
    JSON.stringify({ ...r, stream: true, stream_options: { include_usage: true } })
  );
  const first = run.findIndex((text) => text.length / 4 >= tokens);
  if (first < 0 || first + turns > run.length) {
    throw new Error(`the synthetic run never reaches ${tokens} tokens`);
  }
  const chosen = run.slice(first, first + turns);
  return Array.from(
    { length: agents },
    (_, a) => chosen.map((t) => t.replaceAll("turn ", `agent ${a} turn `)),
  );
}

/** Runs every agent's turns one after another, all agents at once, noting chunk gaps. */
async function driveAgents(url: string, requests: string[][]): Promise<Round> {
  const gaps: number[] = [];
  let turns = 0;
  let errors = 0;
  const start = performance.now();
  await Promise.all(requests.map(async (bodies, agent) => {
    for (const body of bodies) {
      try {
        const response = await fetch(`${url}/v1/chat/completions`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            authorization: "Bearer sk-bench",
            "user-agent": `bench-agent/${agent}`,
          },
          body,
        });
        const reader = response.body!.getReader();
        let last = NaN;
        for (;;) {
          const { done } = await reader.read();
          const now = performance.now();
          if (done) break;
          if (!Number.isNaN(last)) gaps.push(now - last);
          last = now;
        }
        if (!response.ok) throw new Error(String(response.status));
        turns++;
      } catch {
        errors++;
      }
    }
  }));
  return { gaps, turns, errors, seconds: (performance.now() - start) / 1000 };
}

const mib = (n: number) => n.toFixed(0);
const ms = (n: number) => n.toFixed(2);

/** Runs the agents benchmark and returns its RESULTS.md section. */
export async function runAgentTraffic(
  options: { agents?: number; turns?: number; rounds?: number; calls?: number } = {},
): Promise<string> {
  const agents = options.agents ?? 200;
  const turnsPerAgent = options.turns ?? 4;
  const rounds = options.rounds ?? 2;
  const storedCalls = options.calls ?? 100_000;
  const requests = agentTurns(agents, turnsPerAgent, 30_000);
  const promptChars = requests[0][0].length;
  const fake = await spawnServer("./_serve_agent_fake.ts", ["50", "20"]);
  const direct: Round[] = [];
  const passed: Round[] = [];
  const through: Round[] = [];
  const cpuPerTurn: number[] = [];
  const passCpuPerTurn: number[] = [];
  const byRole = new Map<string, number>();
  let roleTurns = 0;
  const rss = { peak: 0, drained: 0, later: 0, settled: 0 };
  let shed = 0;
  /** One round through a fresh proxy process: warmed up, loaded, and (llmprof) caught up; its CPU per turn. */
  const proxied = async (proxy: ServerProcess, llmprof: boolean) => {
    try {
      await driveAgents(proxy.url, requests.slice(0, 4).map((turns) => turns.slice(0, 1)));
      if (llmprof) await drained(proxy.url, 120_000);
      const before = proxy.cpuMs();
      const threadsBefore = proxy.threadCpuMs();
      let peak = 0;
      const sampler = setInterval(() => peak = Math.max(peak, proxy.rssMiB()), 200);
      const result = await driveAgents(proxy.url, requests);
      const caughtUp = llmprof ? await drained(proxy.url, 120_000) : null;
      clearInterval(sampler);
      (llmprof ? through : passed).push(result);
      (llmprof ? cpuPerTurn : passCpuPerTurn).push((proxy.cpuMs() - before) / result.turns);
      if (!llmprof) return;
      addCpuByRole(threadsBefore, proxy.threadCpuMs(), byRole);
      roleTurns += result.turns;
      shed += (caughtUp?.queue.dropped ?? 0) + (caughtUp?.store.dropped ?? 0);
      rss.peak = Math.max(rss.peak, peak, proxy.rssMiB());
      rss.drained = Math.max(rss.drained, proxy.rssMiB());
      const [later, settled] = await memoryAfterLoad(proxy);
      rss.later = Math.max(rss.later, later);
      rss.settled = Math.max(rss.settled, settled);
    } finally {
      await proxy.stop();
    }
  };
  try {
    await driveAgents(fake.url, requests.slice(0, 8)); // warm-up
    for (let round = 0; round < rounds; round++) {
      // Every other round runs the targets in reverse, so none always follows the same one.
      const targets = ["direct", "pass-through", "llmprof"];
      for (const target of round % 2 === 0 ? targets : targets.reverse()) {
        if (target === "direct") {
          direct.push(await driveAgents(fake.url, requests));
        } else if (target === "pass-through") {
          await proxied(await spawnServer("./_serve_passthrough.ts", [fake.url]), false);
        } else {
          const home = await Deno.makeTempDir({ prefix: "llmprof-bench-agents-" });
          const llmprof = await spawnServer(
            "../main.ts",
            ["up", "--port", "0", "--upstream", fake.url, "--home", home],
            { ready: /profiling on (http:\/\/\S+)/ },
          );
          await proxied(llmprof, true);
        }
      }
    }
  } finally {
    await fake.stop();
  }
  const memory = await storedCallsMemory(storedCalls);

  const gapRow = (name: string, runs: Round[]) => {
    const gaps = runs.flatMap((r) => r.gaps).sort((a, b) => a - b);
    const turns = runs.reduce((s, r) => s + r.turns, 0);
    const errors = runs.reduce((s, r) => s + r.errors, 0);
    return {
      p50: quantile(gaps, 0.5),
      p99: quantile(gaps, 0.99),
      line: `| ${name} | ${turns} | ${errors} | ${ms(quantile(gaps, 0.5))} | ${
        ms(quantile(gaps, 0.99))
      } | ${ms(gaps.at(-1) ?? NaN)} |`,
    };
  };
  const d = gapRow("direct", direct);
  const p = gapRow("pass-through", passed);
  const l = gapRow("llmprof", through);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const cpu = mean(cpuPerTurn);
  const roleRows = [...byRole].sort((a, b) => b[1] - a[1]).map(([role, spent]) =>
    `| ${role} | ${ms(spent / roleTurns)} |`
  );
  return [
    "## Agent traffic (bench/agents.ts)",
    `${agents} agents at once, ${turnsPerAgent} turns each, per round; ${rounds} rounds each straight to the upstream, through a bare Deno pass-through and through llmprof, interleaved, each proxy a fresh process (llmprof with an empty home). A turn is a streamed chat call with 25 tools whose first turn is ${
      Math.round(promptChars / 4).toLocaleString("en-US")
    } tokens (${
      (promptChars / 1000).toFixed(0)
    } KB) and each later turn adds a tool call and a 4,000-character result; each agent's tool results are its own. The upstream answers in 50 SSE chunks 20 ms apart. A gap is the time between two chunks as the agent reads them.`,
    "",
    "| target | turns | errors | gap p50 ms | gap p99 ms | gap max ms |",
    "|---|---|---|---|---|---|",
    d.line,
    p.line,
    l.line,
    "",
    `llmprof adds **${
      ms(l.p99 - d.p99)
    } ms** to the p99 gap between chunks (target: under 1 ms) and ${
      ms(l.p50 - d.p50)
    } ms to the median. Its CPU per turn across all its threads, from before the load until analysis and storage had caught up: **${
      ms(cpu)
    } ms** (target: at most 2 ms; per round ${
      cpuPerTurn.map(ms).join(", ")
    }). Calls shed: ${shed}. Resident memory: ${mib(rss.peak)} MiB at its peak under the load, ${
      mib(rss.drained)
    } MiB once caught up, ${mib(rss.later)} MiB 10 s later, ${
      mib(rss.settled)
    } MiB 30 s later (target: at most 400 MiB, and back down after the load).`,
    "",
    `For scale, the bare Deno pass-through (bench/_serve_passthrough.ts: fetch the upstream, hand its body back) spends ${
      ms(mean(passCpuPerTurn))
    } ms of CPU per turn (per round ${
      passCpuPerTurn.map(ms).join(", ")
    }): receiving the request, forwarding it, and relaying 50 chunks. llmprof's CPU per turn by thread:`,
    "",
    "| thread | CPU ms per turn |",
    "|---|---|",
    ...roleRows,
    "",
    memory,
  ].join("\n");
}

/** A process's resident memory 10 s and 30 s after a load, in MiB: V8 frees a load's buffers only after some idle seconds. */
async function memoryAfterLoad(server: ServerProcess): Promise<[number, number]> {
  await new Promise((r) => setTimeout(r, 10_000));
  const later = server.rssMiB();
  await new Promise((r) => setTimeout(r, 20_000));
  return [later, server.rssMiB()];
}

/** llmprof's resident memory as it takes `calls` small JSON calls, at c=16, stored in SQLite. */
async function storedCallsMemory(calls: number): Promise<string> {
  const fake = await spawnServer("./_serve_fake.ts", []);
  const home = await Deno.makeTempDir({ prefix: "llmprof-bench-memory-" });
  const llmprof = await spawnServer(
    "../main.ts",
    ["up", "--port", "0", "--upstream", fake.url, "--home", home],
    { ready: /profiling on (http:\/\/\S+)/ },
  );
  const body = JSON.stringify({
    model: "gpt-4o-mini",
    messages: [{ role: "system", content: "You are terse." }, { role: "user", content: "Hi" }],
  });
  const samples: string[] = [`| 0 | ${mib(llmprof.rssMiB())} |`];
  let sent = 0;
  const start = performance.now();
  try {
    const step = Math.ceil(calls / 4);
    while (sent < calls) {
      const batch = await loadCount(llmprof.url, body, Math.min(step, calls - sent));
      sent += batch;
      await drained(llmprof.url, 120_000);
      samples.push(`| ${sent.toLocaleString("en-US")} | ${mib(llmprof.rssMiB())} |`);
    }
    const [later, settled] = await memoryAfterLoad(llmprof);
    samples.push(`| ${sent.toLocaleString("en-US")}, 10 s later | ${mib(later)} |`);
    samples.push(`| ${sent.toLocaleString("en-US")}, 30 s later | ${mib(settled)} |`);
  } finally {
    await llmprof.stop();
    await fake.stop();
  }
  return [
    `Memory over stored calls: one llmprof takes ${
      sent.toLocaleString("en-US")
    } small chat calls at concurrency 16 (${
      ((performance.now() - start) / 1000).toFixed(0)
    } s), each analysed, chained and stored in SQLite; resident memory once each quarter has been written:`,
    "",
    "| calls stored | resident MiB |",
    "|---|---|",
    ...samples,
  ].join("\n");
}

/** Sends `count` calls at concurrency 16 and returns how many completed. */
async function loadCount(url: string, body: string, count: number): Promise<number> {
  let left = count;
  let done = 0;
  const worker = async () => {
    while (left > 0) {
      left--;
      const response = await fetch(`${url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer sk-bench" },
        body,
      }).catch(() => null);
      await response?.body?.cancel();
      if (response?.ok) done++;
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return done;
}
