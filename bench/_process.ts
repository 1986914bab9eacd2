/** A server started in its own process for a benchmark. */
export interface ServerProcess {
  url: string;
  /** Resident memory in MiB, from /proc. */
  rssMiB(): number;
  /** CPU time used so far by all its threads, in milliseconds, from /proc. */
  cpuMs(): number;
  /** CPU time used so far by each live thread, in milliseconds, keyed by thread id and name. */
  threadCpuMs(): Map<string, number>;
  stop(): Promise<void>;
}

/** Starts `deno run -A <script> …args` and waits for the first stdout line matching `ready`. */
export async function spawnServer(
  script: string,
  args: string[],
  options: { ready?: RegExp; env?: Record<string, string> } = {},
): Promise<ServerProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(script, import.meta.url).pathname, ...args],
    stdout: "piped",
    stderr: "inherit",
    env: options.env,
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const ready = options.ready ?? /^(http:\/\/\S+)$/m;
  let text = "";
  let match: RegExpExecArray | null = null;
  while (!(match = ready.exec(text))) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`${script} exited before it was ready: ${text}`);
    text += value;
  }
  (async () => {
    while (!(await reader.read()).done) { /* drain */ }
  })();
  return {
    url: match[1],
    rssMiB() {
      const status = Deno.readTextFileSync(`/proc/${child.pid}/status`);
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    },
    cpuMs() {
      return statCpuMs(`/proc/${child.pid}/stat`).ms;
    },
    threadCpuMs() {
      const threads = new Map<string, number>();
      for (const task of Deno.readDirSync(`/proc/${child.pid}/task`)) {
        try {
          const { name, ms } = statCpuMs(`/proc/${child.pid}/task/${task.name}/stat`);
          threads.set(`${task.name} ${name}`, ms);
        } catch { /* the thread ended */ }
      }
      return threads;
    },
    async stop() {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}

/** What each of llmprof's threads does, by the name Linux gives it; the store's thread is the first worker it starts. */
export function threadRole(name: string): string {
  if (name === "deno") return "main thread: proxy and hand-over";
  if (name === "worker-1") return "store's thread: runs, cross-call findings, writes";
  if (/^worker-\d+$/.test(name)) return "analysis workers";
  if (name.startsWith("V8 ")) return "V8 helper threads: garbage collection, compilation";
  return "runtime threads: I/O, timers";
}

/** CPU milliseconds each thread role spent between two `threadCpuMs()` readings, added to `into`. */
export function addCpuByRole(
  before: Map<string, number>,
  after: Map<string, number>,
  into: Map<string, number> = new Map(),
): Map<string, number> {
  for (const [thread, ms] of after) {
    const role = threadRole(thread.slice(thread.indexOf(" ") + 1));
    into.set(role, (into.get(role) ?? 0) + ms - (before.get(thread) ?? 0));
  }
  return into;
}

/** A process's or thread's name and CPU time (utime and stime, ticks of 1/100 s) from its stat file. */
function statCpuMs(path: string): { name: string; ms: number } {
  const stat = Deno.readTextFileSync(path);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
  return { name, ms: (Number(fields[11]) + Number(fields[12])) * 10 };
}
