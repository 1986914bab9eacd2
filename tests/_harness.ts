import type { Config } from "../cli/config.ts";
import type { RecordedCall } from "../pipeline/recorder.ts";
import type { CapturedCall } from "../core/call.ts";
import { type Llmprof, startLlmprof, type StartOptions } from "../server.ts";
import { type FakeOptions, type FakeUpstream, startFakeUpstream } from "./fake_upstream.ts";

/** A config for tests: a free port, every upstream pointing at `upstream`. */
export function testConfig(upstream: string, overrides: Partial<Config> = {}): Config {
  return {
    host: "127.0.0.1",
    port: 0,
    upstream: new URL(upstream),
    anthropicUpstream: new URL(upstream),
    geminiUpstream: new URL(upstream),
    vertexUpstream: new URL(upstream),
    azureUpstream: new URL(upstream),
    home: Deno.makeTempDirSync({ prefix: "llmprof-test-" }),
    db: "sqlite::memory:",
    pricing: null,
    timeoutMs: 30_000,
    allowedHosts: [],
    allowedOrigins: [],
    token: null,
    privacy: "full",
    idleTimeoutMs: 30_000,
    ...overrides,
  };
}

/** Settings a test may change: config values and the capture cap. */
export type RigOverrides =
  & Partial<Config>
  & Pick<StartOptions, "captureCap" | "analyse" | "graceMs" | "drainMs">;

/** A fake upstream and an llmprof in front of it, with the log lines llmprof wrote. */
export interface Rig {
  fake: FakeUpstream;
  llmprof: Llmprof;
  logs: string[];
  /** The next captured call, failing after two seconds (only with analysis off, the default). */
  nextCall(): Promise<CapturedCall>;
  /** The next analysed call, failing after 20 seconds (only with `analyse: true`): a cold worker may first compile. */
  nextRecord(): Promise<RecordedCall>;
}

/** Runs `fn` with a fresh fake upstream and llmprof, and tears both down. */
export async function withRig(
  fn: (rig: Rig) => Promise<void>,
  overrides: (fakeUrl: string) => RigOverrides = () => ({}),
  fakeOptions: FakeOptions = {},
): Promise<void> {
  const fake = startFakeUpstream(fakeOptions);
  const logs: string[] = [];
  const { captureCap, analyse = false, graceMs, drainMs, ...config } = overrides(fake.url);
  const records: RecordedCall[] = [];
  const waiting: Array<(a: RecordedCall) => void> = [];
  const llmprof = await startLlmprof(testConfig(fake.url, config), {
    log: (l) => logs.push(l),
    captureCap,
    analyse,
    graceMs,
    drainMs,
    workers: 1,
    onRecord: (a) => {
      const waiter = waiting.shift();
      if (waiter) waiter(a);
      else records.push(a);
    },
  });
  const nextCall = async () => {
    const call = await within(llmprof.queue.take(), 2_000, "no call was captured within 2 s");
    if (call === null) throw new Error("queue closed");
    return call;
  };
  const nextRecord = () => {
    const ready = records.shift();
    if (ready) return Promise.resolve(ready);
    return within(
      new Promise<RecordedCall>((resolve) => waiting.push(resolve)),
      20_000,
      "no call was analysed within 20 s",
    );
  };
  try {
    await fn({ fake, llmprof, logs, nextCall, nextRecord });
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

/** A JSON chat completions call through the llmprof at `base`, with `fields` in its body. */
export function postChat(base: string, fields: Record<string, unknown> = {}): Promise<Response> {
  return fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: chatBody(fields),
  });
}

/** Resolves like `promise`, or rejects with `message` after `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => timer = setTimeout(() => reject(new Error(message)), ms)),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `check` until it returns true, failing with `message` after `ms` (default 20 s). */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  message: string,
  ms = 20_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${message} (waited ${ms / 1000} s)`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
