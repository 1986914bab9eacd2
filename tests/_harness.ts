import type { Config } from "../cli/config.ts";
import type { CapturedCall } from "../proxy/mod.ts";
import { type Llmprof, startLlmprof, type StartOptions } from "../server.ts";
import { type FakeUpstream, startFakeUpstream } from "./fake_upstream.ts";

/** A config for tests: a free port, both upstreams pointing at `upstream`. */
export function testConfig(upstream: string, overrides: Partial<Config> = {}): Config {
  return {
    host: "127.0.0.1",
    port: 0,
    upstream: new URL(upstream),
    anthropicUpstream: new URL(upstream),
    home: Deno.makeTempDirSync({ prefix: "llmprof-test-" }),
    db: "sqlite::memory:",
    pricing: null,
    timeoutMs: 30_000,
    ...overrides,
  };
}

/** Settings a test may change: config values and the capture cap. */
export type RigOverrides = Partial<Config> & Pick<StartOptions, "captureCap">;

/** A fake upstream and an llmprof in front of it, with the log lines llmprof wrote. */
export interface Rig {
  fake: FakeUpstream;
  llmprof: Llmprof;
  logs: string[];
  /** The next captured call, failing after two seconds. */
  nextCall(): Promise<CapturedCall>;
}

/** Runs `fn` with a fresh fake upstream and llmprof, and tears both down. */
export async function withRig(
  fn: (rig: Rig) => Promise<void>,
  overrides: (fakeUrl: string) => RigOverrides = () => ({}),
): Promise<void> {
  const fake = startFakeUpstream();
  const logs: string[] = [];
  const { captureCap, ...config } = overrides(fake.url);
  const llmprof = startLlmprof(testConfig(fake.url, config), {
    log: (l) => logs.push(l),
    captureCap,
  });
  const nextCall = async () => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("no call was captured within 2 s")), 2_000);
    });
    try {
      const call = await Promise.race([llmprof.queue.take(), timeout]);
      if (call === null) throw new Error("queue closed");
      return call;
    } finally {
      clearTimeout(timer);
    }
  };
  try {
    await fn({ fake, llmprof, logs, nextCall });
  } finally {
    await llmprof.shutdown();
    await fake.close();
  }
}

/** Reads a response body chunk by chunk, noting when each arrived. */
export async function readTimed(response: Response): Promise<{ text: string; times: number[] }> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const times: number[] = [];
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    times.push(performance.now());
    text += decoder.decode(value, { stream: true });
  }
  return { text, times };
}

/** A chat completions request body. */
export function chatBody(fields: Record<string, unknown> = {}): string {
  return JSON.stringify({
    model: "gpt-4o",
    messages: [{ role: "user", content: "Hi" }],
    ...fields,
  });
}
