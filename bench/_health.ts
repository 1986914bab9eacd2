/** What llmprof's health says of its analysis and store, as much as the benchmarks read. */
export interface Health {
  queue: { pending: number; dropped: number };
  analysis: { analysed: number; busy: number };
  store: { written: number; dropped: number; backlog: number };
}

/**
 * llmprof's health once its analysis queue and store backlog are empty (or after `timeoutMs`),
 * asking every `pollMs`.
 */
export async function drained(
  url: string,
  timeoutMs = 60_000,
  pollMs = 100,
): Promise<Health | null> {
  const deadline = Date.now() + timeoutMs;
  let health: Health | null = null;
  while (Date.now() < deadline) {
    health = await fetch(`${url}/_llmprof/health`).then((r) => r.json()).catch(() => null);
    if (
      health && health.queue.pending === 0 && health.analysis.busy === 0 &&
      health.store.backlog === 0
    ) break;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return health;
}
