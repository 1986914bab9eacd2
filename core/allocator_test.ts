import { assertEquals } from "../testing/assert.ts";
import { canReleaseMemory, releaseFreedMemory } from "./allocator.ts";

Deno.test("freed memory is given back through libc where FFI is granted (Linux, glibc)", async () => {
  const reachable = Deno.build.os === "linux" && Deno.build.env === "gnu" &&
    Deno.permissions.querySync({ name: "ffi" }).state === "granted";
  assertEquals(canReleaseMemory(), reachable);
  // malloc_trim answers 1 only when it gave pages back; it must not throw either way.
  assertEquals(typeof await releaseFreedMemory(), "boolean");
});

Deno.test("without --allow-ffi nothing is trimmed, without a prompt or an error", async () => {
  const dir = await Deno.makeTempDir({ prefix: "llmprof-allocator-" });
  const module = new URL("./allocator.ts", import.meta.url);
  let output: Deno.CommandOutput;
  try {
    await Deno.writeTextFile(
      `${dir}/main.ts`,
      `import { canReleaseMemory, releaseFreedMemory } from "${module}";\n` +
        `console.log(canReleaseMemory(), await releaseFreedMemory());\n`,
    );
    output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", `${dir}/main.ts`],
      stdin: "null",
    }).output();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const { code, stdout, stderr } = output;
  assertEquals(new TextDecoder().decode(stderr), "");
  assertEquals(code, 0);
  assertEquals(new TextDecoder().decode(stdout).trim(), "false false");
});
