import { capturedCall } from "../testing/captured.ts";
import { analyzeCall, newCounters } from "../analysis/analyze.ts";
import { decodedCall } from "../analysis/decoded_call.ts";
import { protect } from "../analysis/privacy.ts";
import { splitForStore } from "../analysis/request_blocks.ts";
import { forPosting, received } from "../analysis/handover.ts";
import { SqliteStore } from "../store/sqlite_store.ts";
import { baseRecord } from "../core/base_record.ts";
const BODY = { model: "gpt-4o", messages: [
  { role: "system", content: "You are a helpful assistant. ".repeat(20) },
  { role: "user", content: "What is the weather in Paris today?" }] };
const RESP = { id: "chatcmpl-fake123", object: "chat.completion", created: 1700000000, model: "gpt-4o",
  choices: [{ index: 0, message: { role: "assistant", content: "The weather in Paris is sunny and 21 degrees, with a light breeze from the west.", refusal: null }, logprobs: null, finish_reason: "stop" }],
  usage: { prompt_tokens: 140, completion_tokens: 20, total_tokens: 160, prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 } }, system_fingerprint: "fp_fake" };
const headers = { "content-type": "application/json", authorization: "Bearer [redacted]", host: "127.0.0.1:4000", "content-length": "700", "user-agent": "Deno/2.9.6", accept: "*/*", "accept-encoding": "gzip, br" };
const mk = () => capturedCall("chat.completions", BODY, RESP, { requestHeaders: headers, responseHeaders: { "content-type": "application/json", "content-length": "500", date: "x", "x-request-id": "abc" } });
const counters = newCounters();
function time(name: string, n: number, fn: (i: number) => unknown) {
  for (let i = 0; i < 200; i++) fn(i);
  const t = performance.now();
  for (let i = 0; i < n; i++) fn(i);
  console.log(`${name.padEnd(40)} ${((performance.now() - t) / n * 1000).toFixed(1)} µs`);
}
const calls = Array.from({ length: 3000 }, mk);
time("structuredClone captured call", 3000, (i) => structuredClone(calls[i % 3000]));
time("analyzeCall", 3000, (i) => analyzeCall(calls[i % 3000], { counters, split: false }));
const a0 = analyzeCall(calls[0], { counters, split: false });
const p0 = await protect(a0, "full", { redactSecrets: async (t) => t });
const s0 = splitForStore(p0);
time("splitForStore", 3000, () => splitForStore(p0));
time("forPosting", 3000, () => forPosting([s0]));
const { message } = forPosting([s0]);
time("structuredClone posted analysis", 3000, () => structuredClone(message));
time("JSON round trip posted analysis", 3000, () => JSON.parse(JSON.stringify(message)));
console.log("posted analysis JSON chars", JSON.stringify(message).length, "record chars", JSON.stringify(s0.record).length, "blocks", JSON.stringify(s0.blocks).length, "facts", JSON.stringify(s0.facts).length);
time("received", 3000, () => received(message));
time("baseRecord", 3000, (i) => baseRecord(calls[i % 3000]));
const store = await SqliteStore.open(":memory:");
let id = 0;
const batchOf = (n: number) => Array.from({ length: n }, () => ({ record: { ...s0.record, id: `c${id++}` }, request: s0.request, blocks: s0.blocks, endHash: null, looseHash: null }));
for (let r = 0; r < 5; r++) await store.writeBatch(batchOf(100));
let t = performance.now();
for (let r = 0; r < 30; r++) await store.writeBatch(batchOf(100));
console.log(`${"sqlite write analysed (batches of 100)".padEnd(40)} ${((performance.now() - t) / 3000 * 1000).toFixed(1)} µs`);
const bases = () => Array.from({ length: 100 }, () => ({ record: { ...baseRecord(calls[0]), id: `c${id++}` }, request: null, analysed: false }));
t = performance.now();
for (let r = 0; r < 30; r++) await store.writeBatch(bases());
console.log(`${"sqlite write base (batches of 100)".padEnd(40)} ${((performance.now() - t) / 3000 * 1000).toFixed(1)} µs`);
