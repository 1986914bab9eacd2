import type { BaseStore } from "../store/contract.ts";
import type { AppContext } from "./context.ts";

/** A store probe: whether it answers, and its size when it does. */
type Probe = { ok: boolean; error?: string; size?: { calls: number; bytes: number } | null };

/** Milliseconds health waits for a fresh store probe before it answers from the last one. */
const PROBE_WAIT_MS = 80;
/** Milliseconds a probe's answer is reused. */
const FRESH_MS = 1_000;

interface ProbeState {
  last: Probe | null;
  at: number;
  pending: Promise<Probe> | null;
}

const probes = new WeakMap<BaseStore, ProbeState>();

/**
 * The store's health, answered within {@linkcode PROBE_WAIT_MS}: a store that is down can
 * take seconds to fail a probe (a Postgres connect timeout), and health must not wait on it.
 * One probe runs at a time; until it answers, the last answer stands.
 */
async function storeHealth(store: BaseStore): Promise<Probe> {
  let state = probes.get(store);
  if (state === undefined) {
    state = { last: null, at: -Infinity, pending: null };
    probes.set(store, state);
  }
  if (state.last !== null && performance.now() - state.at < FRESH_MS) return state.last;
  const probing = state;
  probing.pending ??= store.health()
    .then(async (probe): Promise<Probe> =>
      probe.ok ? { ...probe, size: await store.stats().catch(() => null) } : probe
    )
    .catch((error: unknown): Probe => ({ ok: false, error: (error as Error).message }))
    .then((probe) => {
      probing.last = probe;
      probing.at = performance.now();
      probing.pending = null;
      return probe;
    });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<null>((resolve) =>
    timer = setTimeout(() => resolve(null), PROBE_WAIT_MS)
  );
  const fresh = await Promise.race([probing.pending, late]);
  clearTimeout(timer);
  return fresh ?? probing.last ?? {
    ok: false,
    error: `the store has not answered a probe within ${PROBE_WAIT_MS} ms`,
  };
}

/** `GET /_llmprof/health`: is llmprof up, does its store answer (and how big it is), is analysis keeping up. */
export async function health(ctx: AppContext): Promise<Response> {
  const [probe, queue, writer] = [await storeHealth(ctx.store), ctx.queue(), ctx.writer()];
  const ok = probe.ok && writer.ok;
  const size = probe.ok ? probe.size : null;
  return Response.json({
    status: ok ? "ok" : "degraded",
    version: ctx.version,
    store: {
      kind: ctx.store.kind,
      ok,
      error: probe.error ?? writer.error,
      backlog: writer.backlog,
      dropped: writer.dropped,
      written: writer.written,
      calls: size?.calls ?? null,
      bytes: size?.bytes ?? null,
    },
    queue: { pending: queue.pending, dropped: queue.dropped },
    analysis: ctx.analysis(),
    ...(ctx.otlp ? { otlp: ctx.otlp() } : {}),
  });
}
