import { assertEquals } from "./tests/assert.ts";
import { BACKGROUND_NICE } from "./background.ts";

Deno.test({
  name: "a background thread runs at lower priority and the main thread keeps its own",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const source = `
      import { lowerThreadPriority } from ${
      JSON.stringify(new URL("./background.ts", import.meta.url).href)
    };
      const lowered = lowerThreadPriority();
      const stat = Deno.readTextFileSync("/proc/thread-self/stat");
      postMessage({ lowered, nice: Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]) });
    `;
    const worker = new Worker(
      URL.createObjectURL(new Blob([source], { type: "text/javascript" })),
      {
        type: "module",
      },
    );
    const reply = await new Promise<{ lowered: boolean; nice: number }>((resolve) =>
      worker.onmessage = (e) => resolve(e.data)
    );
    worker.terminate();
    assertEquals(reply, { lowered: true, nice: BACKGROUND_NICE });
    const main = Deno.readTextFileSync(`/proc/${Deno.pid}/stat`);
    assertEquals(Number(main.slice(main.lastIndexOf(")") + 2).split(" ")[16]), 0);
  },
});
