import { assertEquals } from "../testing/assert.ts";
import { elideBase64 } from "./elide.ts";

Deno.test("elideBase64 replaces long base64 payloads and keeps everything else", () => {
  const blob = "A".repeat(4096);
  const text = JSON.stringify({
    messages: [{
      content: [{ type: "image_url", image_url: { url: `data:image/png;base64,${blob}` } }, {
        type: "text",
        text: "short data:image/png;base64,QUJD stays",
      }],
    }],
    source: { type: "base64", media_type: "image/png", data: blob },
  });
  const out = elideBase64(text);
  assertEquals(out.includes(blob), false);
  assertEquals(out.includes("data:image/png;base64,[3 KiB elided]"), true);
  assertEquals(out.includes('"data":"[3 KiB elided]"'), true);
  assertEquals(out.includes("short data:image/png;base64,QUJD stays"), true);
  assertEquals(JSON.parse(out).source.media_type, "image/png", "the text stays valid JSON");
});
