import { assertEquals } from "../testing/assert.ts";
import { BACKGROUND_NICE, backgroundNice } from "./background.ts";

Deno.test({
  name: "a background thread runs at lower priority and the main thread keeps its own",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const source = `
      import { lowerThreadPriority } from ${
      JSON.stringify(new URL("./background.ts", import.meta.url).href)
    };
      const lowered = lowerThreadPriority(${BACKGROUND_NICE});
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

Deno.test("LLMPROF_BACKGROUND_NICE sets the background priority; a bad value keeps the default", () => {
  const before = Deno.env.get("LLMPROF_BACKGROUND_NICE");
  try {
    Deno.env.set("LLMPROF_BACKGROUND_NICE", "0");
    assertEquals(backgroundNice(), 0);
    Deno.env.set("LLMPROF_BACKGROUND_NICE", "19");
    assertEquals(backgroundNice(), 19);
    for (const bad of ["-1", "20", "high", ""]) {
      Deno.env.set("LLMPROF_BACKGROUND_NICE", bad);
      assertEquals(backgroundNice(), BACKGROUND_NICE, bad);
    }
  } finally {
    if (before === undefined) Deno.env.delete("LLMPROF_BACKGROUND_NICE");
    else Deno.env.set("LLMPROF_BACKGROUND_NICE", before);
  }
});
