import { releaseFreedMemory } from "./allocator.ts";

/**
 * Decides, from a count that grows with the work done, when to give memory back after a
 * load: at the 1st, 2nd, 4th, 8th and 16th look that finds the count unchanged since the
 * work stopped. The runtime's own collectors free the load's buffers only after some idle
 * seconds, so one release right away would find little to give back.
 */
export class QuietWatch {
  #seen: number;
  /** Looks in a row that found the count unchanged since it last grew; -1 before any growth. */
  #quiet = -1;

  /** Starts from the count as it is now, so earlier work does not count. */
  constructor(count: number) {
    this.#seen = count;
  }

  /** Whether to release now, the count being `count`. */
  look(count: number): boolean {
    if (count !== this.#seen) {
      this.#seen = count;
      this.#quiet = 0;
      return false;
    }
    if (this.#quiet < 0 || this.#quiet >= 16) return false;
    this.#quiet++;
    return (this.#quiet & (this.#quiet - 1)) === 0;
  }
}

/** Options for {@linkcode releaseWhenQuiet}. */
export interface QuietOptions {
  /** Milliseconds between looks at the activity count. Default 3 s. */
  everyMs?: number;
  /** What gives memory back. Default {@linkcode releaseFreedMemory}. */
  release?: () => unknown;
}

/**
 * Gives freed memory back after each load (see {@linkcode QuietWatch}), looking
 * at `activity` every few seconds. Its timer does not keep the process alive. Returns a
 * function that stops it.
 */
export function releaseWhenQuiet(activity: () => number, options: QuietOptions = {}): () => void {
  const release = options.release ?? releaseFreedMemory;
  const watch = new QuietWatch(activity());
  const timer = setInterval(() => {
    if (watch.look(activity())) release();
  }, options.everyMs ?? 3_000);
  Deno.unrefTimer(timer);
  return () => clearInterval(timer);
}
