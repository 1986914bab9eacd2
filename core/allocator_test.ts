import { assertEquals } from "../testing/assert.ts";
import { canReleaseMemory, QuietWatch, releaseFreedMemory, releaseWhenQuiet } from "./allocator.ts";

Deno.test("a quiet watch answers after the work stops, less often the longer it stays quiet", () => {
  const watch = new QuietWatch(7);
  const looks = (counts: number[]) => counts.map((n) => watch.look(n) ? "R" : ".").join("");
  assertEquals(looks([7, 7, 7]), "...", "no work since the start: nothing to release");
  assertEquals(looks([8, 12, 30]), "...", "no release while the work goes on");
  assertEquals(
    looks(Array(20).fill(30)),
    "RR.R...R.......R....",
    "1st, 2nd, 4th, 8th, 16th quiet look",
  );
  assertEquals(looks([31, 31, 31, 32, 32]), ".RR.R", "new work starts the count again");
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

Deno.test("freed memory is given back through libc where FFI is granted (Linux, glibc)", () => {
  const reachable = Deno.build.os === "linux" && Deno.build.env === "gnu" &&
    Deno.permissions.querySync({ name: "ffi" }).state === "granted";
  assertEquals(canReleaseMemory(), reachable);
  // malloc_trim answers 1 only when it gave pages back; it must not throw either way.
  assertEquals(typeof releaseFreedMemory(), "boolean");
});

Deno.test("without --allow-ffi nothing is trimmed, without a prompt or an error", async () => {
  const dir = await Deno.makeTempDir({ prefix: "llmprof-allocator-" });
  const script = `${dir}/main.ts`;
  await Deno.writeTextFile(
    script,
    `import { canReleaseMemory, releaseFreedMemory } from "${new URL(
      "./allocator.ts",
      import.meta.url,
    )}";\n` +
      `console.log(canReleaseMemory(), releaseFreedMemory());\n`,
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
