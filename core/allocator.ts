/**
 * Giving memory back to the system after a load, through glibc's `malloc_trim`.
 *
 * Large request bodies pass through every thread, and glibc raises its mmap threshold each
 * time a large block is freed, so they come to live in per-thread arenas that keep their
 * pages once the runtime has freed them: about 600 MiB more after 200 streaming agents.
 * A trim hands those pages back. (Fixing the mmap threshold instead kept less at the peak
 * but cost about 3 ms of CPU per 136 KB agent turn in page faults; README, "Performance".)
 *
 * It needs libc through FFI (`--allow-ffi`). Where that is not granted, or not on Linux with
 * glibc, nothing is trimmed: llmprof works the same and keeps more memory after a burst.
 * @module
 */

const SYMBOLS = {
  // On a thread of its own: a trim of a large heap must not hold up the proxy.
  malloc_trim: { parameters: ["usize"], result: "i32", nonblocking: true },
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

/** Gives the pages that every thread's heap has freed back to the system. Resolves to whether any were. */
export async function releaseFreedMemory(): Promise<boolean> {
  const symbols = glibc();
  try {
    return symbols !== null && await symbols.malloc_trim(0n) === 1;
  } catch {
    return false;
  }
}
