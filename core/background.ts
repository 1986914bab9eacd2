import { setPriority } from "node:os";

/** The niceness of llmprof's analysis and storage threads: behind the proxy, still making progress. */
export const BACKGROUND_NICE = 10;

/** The niceness to use: LLMPROF_BACKGROUND_NICE (0 to 19) when set and readable, else {@linkcode BACKGROUND_NICE}. */
export function backgroundNice(): number {
  try {
    const value = Deno.env.get("LLMPROF_BACKGROUND_NICE");
    const nice = value === undefined || value.trim() === "" ? NaN : Number(value);
    return Number.isInteger(nice) && nice >= 0 && nice <= 19 ? nice : BACKGROUND_NICE;
  } catch {
    return BACKGROUND_NICE;
  }
}

/**
 * Lowers the calling thread's scheduling priority (Linux), so analysis and storage take
 * the CPU the proxy and the profiled app leave over. Returns false where it cannot (another
 * OS, or without --allow-sys and read access to /proc/thread-self): the thread then runs
 * at normal priority, which is only slower under load.
 */
export function lowerThreadPriority(nice = backgroundNice()): boolean {
  if (nice === 0) return false;
  try {
    const tid = Number(Deno.readLinkSync("/proc/thread-self").split("/").pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}
