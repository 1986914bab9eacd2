/**
 * glibc's allocator, tuned for a proxy that moves large bodies between threads.
 *
 * glibc raises its mmap threshold each time a large block is freed, so after the first
 * burst of 100 KB prompts every later one lands in a per-thread arena, whose pages are
 * kept after the load ends. A fixed threshold sends such blocks to mmap, which gives them
 * back on free; a trim once the load has ended hands back what the arenas still hold.
 *
 * Both need libc through FFI (`--allow-ffi`). Where it is not granted, or not on Linux with
 * glibc, they do nothing: llmprof works the same and keeps more memory after a burst.
 * @module
 */

/** Blocks at least this large are mapped on their own and given back to the OS when freed. */
export const MMAP_THRESHOLD = 64 * 1024;

/** glibc's mallopt parameter for the mmap threshold (malloc.h). */
const M_MMAP_THRESHOLD = -3;

const SYMBOLS = {
  mallopt: { parameters: ["i32", "i32"], result: "i32" },
  malloc_trim: { parameters: ["usize"], result: "i32" },
} as const;

type Libc = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

let libc: Libc | null | undefined;

/** libc's allocator functions, or null where they cannot be reached without asking. */
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

/**
 * Sends blocks of {@linkcode MMAP_THRESHOLD} bytes and more to mmap for this whole process,
 * its workers included. Returns whether the allocator took it.
 */
export function tuneAllocator(): boolean {
  const symbols = glibc();
  return symbols !== null && symbols.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) === 1;
}

/** Gives the pages that every thread's heap has freed back to the OS. Returns whether any were. */
export function releaseFreedMemory(): boolean {
  const symbols = glibc();
  return symbols !== null && symbols.malloc_trim(0n) === 1;
}

/**
 * Decides, from a count that grows with the work done, when a load has ended: a look
 * answers true when the count grew since the last release and then stayed the same since
 * the previous look.
 */
export class QuietWatch {
  #released: number;
  #seen: number;

  /** Starts from the count as it is now, so earlier work does not count. */
  constructor(count: number) {
    this.#released = this.#seen = count;
  }

  /** Whether to release now, the count being `count`. */
  look(count: number): boolean {
    const quiet = count === this.#seen && count !== this.#released;
    if (quiet) this.#released = count;
    this.#seen = count;
    return quiet;
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
 * Gives freed memory back each time a load has ended (see {@linkcode QuietWatch}), looking
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
