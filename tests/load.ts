/** One call sent during a load test. */
export interface SentCall {
  id: string;
  status: number;
  /** performance.now() when its response had fully arrived. */
  doneAt: number;
}

/** Options for {@linkcode chatLoad}. */
export interface ChatLoadOptions {
  /** Stops the load. */
  signal: AbortSignal;
  /** Loops per base URL. Default 4. */
  concurrency?: number;
  /** Milliseconds each loop pauses between calls. Default 0. */
  pauseMs?: number;
  /** Receives each call as it is answered, so a test can watch the load's progress. */
  sent?: SentCall[];
}

/** Sends chat calls from `concurrency` loops to each base URL until `signal` aborts. */
export async function chatLoad(bases: string[], options: ChatLoadOptions): Promise<SentCall[]> {
  const { signal, concurrency = 4, pauseMs = 0, sent = [] } = options;
  let n = 0;
  const loop = async (base: string) => {
    while (!signal.aborted) {
      try {
        const response = await fetch(`${base}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: "Bearer sk-load" },
          body: JSON.stringify({
            model: "gpt-4o",
            messages: [{ role: "user", content: `load call ${n++}` }],
          }),
        });
        await response.arrayBuffer();
        sent.push({
          id: response.headers.get("x-llmprof-call-id") ?? "",
          status: response.status,
          doneAt: performance.now(),
        });
        if (pauseMs > 0) await sleep(pauseMs);
      } catch {
        if (!signal.aborted) sent.push({ id: "", status: 0, doneAt: performance.now() });
      }
    }
  };
  await Promise.all(bases.flatMap((base) => Array.from({ length: concurrency }, () => loop(base))));
  return sent;
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
