import { assertEquals } from "../testing/assert.ts";
import { type CallEvent, CallEvents } from "./call_events.ts";

const event = (id: string): CallEvent => ({
  id,
  created_at: "2026-11-27T10:00:00.000Z",
  session_id: null,
  provider: "openai",
  model: "gpt-4o",
  cost_usd: 0.01,
});

/** Reads server-sent events from a stream until `count` named events arrived. */
async function read(stream: ReadableStream<Uint8Array>, count: number): Promise<string[]> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  const names: string[] = [];
  let text = "";
  while (names.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value);
    let end;
    while ((end = text.indexOf("\n\n")) >= 0) {
      const frame = text.slice(0, end);
      text = text.slice(end + 2);
      const name = /^event: (.*)$/m.exec(frame)?.[1];
      const data = /^data: (.*)$/m.exec(frame)?.[1];
      if (name) names.push(name === "call" ? `call ${JSON.parse(data!).id}` : name);
    }
  }
  reader.releaseLock();
  return names;
}

Deno.test("every listener receives each published call as a server-sent event", async () => {
  const hub = new CallEvents();
  const a = hub.subscribe();
  const b = hub.subscribe();
  hub.publish(event("c1"));
  hub.publish(event("c2"));
  assertEquals(await read(a, 3), ["ready", "call c1", "call c2"]);
  assertEquals(await read(b, 3), ["ready", "call c1", "call c2"]);
  hub.close();
});

Deno.test("a listener that falls behind misses events, then is told to resync", async () => {
  const hub = new CallEvents({ buffer: 4 });
  const slow = hub.subscribe();
  for (let i = 0; i < 10; i++) hub.publish(event(`c${i}`));
  // Two were queued at start (retry and ready), so two calls fit before the bound.
  assertEquals(await read(slow, 3), ["ready", "call c0", "call c1"]);
  hub.publish(event("after"));
  assertEquals(await read(slow, 2), ["resync", "call after"]);
  hub.close();
});

Deno.test("a listener is forgotten when its connection closes", async () => {
  const hub = new CallEvents();
  const controller = new AbortController();
  const stream = hub.subscribe(controller.signal);
  const other = hub.subscribe();
  assertEquals(hub.clients, 2);
  controller.abort();
  assertEquals(hub.clients, 1);
  await other.cancel();
  assertEquals(hub.clients, 0);
  await stream.cancel();
});
