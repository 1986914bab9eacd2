import { assertEquals } from "../testing/assert.ts";
import { forPosting, type PostedAnalysis, received } from "./handover.ts";
import { analyzeCall } from "./analyze.ts";
import { capturedCall } from "../testing/captured.ts";

Deno.test("an analysis crosses to the main thread with its outline's texts transferred, not cloned, and reads back the same", async () => {
  const analysis = analyzeCall(capturedCall("chat.completions", {
    model: "gpt-4o",
    messages: [
      { role: "system", content: "Réponds en français, s'il te plaît. 🚀" },
      { role: "user", content: "Grüße aus Köln" },
    ],
  }));
  const outline = analysis.facts!.outline.map(({ component, label, message, text, end }) => ({
    component,
    label,
    message,
    text,
    end,
  }));
  const { message, transfer } = forPosting([analysis]);
  assertEquals(transfer.length, 5);
  const channel = new MessageChannel();
  const arrived = new Promise<PostedAnalysis[]>((resolve) => {
    channel.port2.onmessage = (event) => resolve(event.data);
  });
  channel.port1.postMessage(message, transfer);
  // Transferred: the sender's buffers are gone, so nothing was copied.
  assertEquals(transfer.map((buffer) => buffer.byteLength), [0, 0, 0, 0, 0]);
  const [back] = received(await arrived);
  channel.port1.close();
  channel.port2.close();
  assertEquals(
    back.facts!.outline.map(({ component, label, message, text, end }) => ({
      component,
      label,
      message,
      text,
      end,
    })),
    outline,
  );
  assertEquals(back.facts!.outline[0].size, new TextEncoder().encode(outline[0].text).byteLength);
  assertEquals(back.record, analysis.record);
});
