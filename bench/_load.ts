/** Raw samples of one or more load runs. */
export interface Samples {
  latencies: number[];
  ttfbs: number[];
  errors: number;
  seconds: number;
}

/** What load runs measured, summarised. */
export interface LoadResult {
  requests: number;
  errors: number;
  perSecond: number;
  p50: number;
  p99: number;
  ttfbP50: number;
}

/** The value at quantile `q` of sorted numbers. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Pools runs' samples and summarises them. */
export function summarise(runs: Samples[]): LoadResult {
  const latencies = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const ttfbs = runs.flatMap((r) => r.ttfbs).sort((a, b) => a - b);
  const seconds = runs.reduce((sum, r) => sum + r.seconds, 0);
  return {
    requests: latencies.length,
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    perSecond: latencies.length / seconds,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    ttfbP50: quantile(ttfbs, 0.5),
  };
}

/**
 * Sends `make()` requests from `concurrency` loops for `seconds`, measuring
 * whole-response latency and time to the first body byte.
 */
export async function load(
  make: () => Request,
  options: { concurrency: number; seconds: number },
): Promise<Samples> {
  const latencies: number[] = [];
  const ttfbs: number[] = [];
  let errors = 0;
  const stopAt = performance.now() + options.seconds * 1000;
  const worker = async () => {
    while (performance.now() < stopAt) {
      const start = performance.now();
      try {
        const response = await fetch(make());
        const reader = response.body!.getReader();
        let first = NaN;
        for (;;) {
          const { done } = await reader.read();
          if (Number.isNaN(first)) first = performance.now();
          if (done) break;
        }
        if (!response.ok) throw new Error(String(response.status));
        latencies.push(performance.now() - start);
        ttfbs.push(first - start);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return { latencies, ttfbs, errors, seconds: options.seconds };
}
