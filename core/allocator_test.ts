import { assertEquals } from "../testing/assert.ts";
import { QuietWatch, releaseFreedMemory, releaseWhenQuiet, tuneAllocator } from "./allocator.ts";

Deno.test("a quiet watch answers once after the work stops, and not while it goes on", () => {
  const watch = new QuietWatch(7);
  assertEquals([7, 7, 7].map((n) => watch.look(n)), [false, false, false], "no work, no release");
  assertEquals([8, 12, 30].map((n) => watch.look(n)), [false, false, false], "work goes on");
  assertEquals([30, 30, 30].map((n) => watch.look(n)), [true, false, false], "once when it stops");
  assertEquals([31, 31].map((n) => watch.look(n)), [false, true], "new work, once quiet, again");
});

Deno.test("releaseWhenQuiet releases through its timer once the activity count stands still", async () => {
  let releases = 0;
  let activity = 1;
  const stop = releaseWhenQuiet(() => activity, { everyMs: 10, release: () => ++releases > 0 });
  try {
    activity = 2;
    for (let i = 0; i < 200 && releases === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assertEquals(releases, 1);
  } finally {
    stop();
  }
});

Deno.test("the allocator is tuned and trimmed through libc where FFI is granted (Linux, glibc)", () => {
  const reachable = Deno.build.os === "linux" && Deno.build.env === "gnu" &&
    Deno.permissions.querySync({ name: "ffi" }).state === "granted";
  assertEquals(tuneAllocator(), reachable);
  // malloc_trim answers 1 only when it gave pages back; it must not throw either way.
  assertEquals(typeof releaseFreedMemory(), "boolean");
});

Deno.test("without --allow-ffi the allocator is left alone, without a prompt or an error", async () => {
  const dir = await Deno.makeTempDir({ prefix: "llmprof-allocator-" });
  const script = `${dir}/main.ts`;
  await Deno.writeTextFile(
    script,
    `import { releaseFreedMemory, tuneAllocator } from "${new URL(
      "./allocator.ts",
      import.meta.url,
    )}";\n` +
      `console.log(tuneAllocator(), releaseFreedMemory());\n`,
  );
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", script],
    stdin: "null",
  }).output();
  await Deno.remove(dir, { recursive: true });
  assertEquals(new TextDecoder().decode(stderr), "");
  assertEquals(code, 0);
  assertEquals(new TextDecoder().decode(stdout).trim(), "false false");
});
