/**
 * Giving memory back to the system after a load, through glibc's `malloc_trim`.
 *
 * Large request bodies pass through every thread, and glibc raises its mmap threshold each
 * time a large block is freed, so they come to live in per-thread arenas that keep their
 * pages once the runtime has freed them: about 600 MiB more after 200 streaming agents.
 * A trim hands those pages back. (Fixing the mmap threshold instead kept less at the peak
 * but cost about 3 ms of CPU per 136 KB agent turn in page faults; bench/RESULTS.md.)
 *
 * It needs libc through FFI (`--allow-ffi`). Where that is not granted, or not on Linux with
 * glibc, nothing is trimmed: llmprof works the same and keeps more memory after a burst.
 * @module
 */

const SYMBOLS = {
  malloc_trim: { parameters: ["usize"], result: "i32" },
} as const;

type Libc = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

let libc: Libc | null | undefined;

/** libc's malloc_trim, or null where it cannot be reached without asking. */
function glibc(): Libc | null {
  if (libc !== undefined) return libc;
  libc = null;
  try {
    if (Deno.build.os !== "linux" || Deno.build.env !== "gnu") return libc;
    if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return libc;
    libc = Deno.dlopen("libc.so.6", SYMBOLS).symbols;
  } catch {
    libc = null;
  }
  return libc;
}

/** Whether freed memory can be given back here (Linux with glibc, FFI granted). */
export function canReleaseMemory(): boolean {
  return glibc() !== null;
}

/** Gives the pages that every thread's heap has freed back to the system. Returns whether any were. */
export function releaseFreedMemory(): boolean {
  const symbols = glibc();
  return symbols !== null && symbols.malloc_trim(0n) === 1;
}

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
  release?: () => boolean;
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
