import { assertEquals } from "../testing/assert.ts";
import { longRuns, TokenCounter } from "./tokenizer.ts";

Deno.test("longRuns finds runs of 1,000+ space or non-space characters in one pass", () => {
  assertEquals(longRuns("short words only"), []);
  assertEquals(longRuns("a".repeat(1500)), [[0, 1500]]);
  assertEquals(longRuns(`hi ${"x".repeat(1000)} ${" ".repeat(1200)}end`), [[3, 1003], [
    1003,
    2204,
  ]]);
});

Deno.test("TokenCounter counts ordinary text exactly and memoises repeats", () => {
  const counter = new TokenCounter("o200k_base");
  const text = "The quick brown fox jumps over the lazy dog. ".repeat(100);
  assertEquals(counter.count("hello world"), 2);
  const first = counter.count(text);
  const before = counter.tokenizedChars;
  assertEquals(counter.count(text), first);
  assertEquals(counter.tokenizedChars, before, "the second count came from the memo");
});

Deno.test("TokenCounter's memos keep at most their characters of text and their count of hashed texts", () => {
  const counter = new TokenCounter("o200k_base", { memoChars: 100_000, hashedTexts: 40 });
  const block = (i: number) => `result ${i} ` + "lorem ipsum dolor sit amet ".repeat(370);
  for (let i = 0; i < 100; i++) counter.count(block(i)); // 1 MB of distinct 10 KB texts
  let before = counter.tokenizedChars;
  counter.count(block(99));
  assertEquals(counter.tokenizedChars, before, "the latest text is still memoised");
  before = counter.tokenizedChars;
  counter.count(block(0));
  assertEquals(counter.tokenizedChars > before, true, "the oldest was let go");
});

Deno.test("TokenCounter remembers a long text by hash after its text memo let it go", () => {
  const counter = new TokenCounter("o200k_base", { memoChars: 100_000 });
  const block = (i: number) => `result ${i} ` + "lorem ipsum dolor sit amet ".repeat(370);
  const first = counter.count(block(0));
  for (let i = 1; i < 100; i++) counter.count(block(i));
  const before = counter.tokenizedChars;
  // A fresh copy of the same text, as the next turn's parsed request carries it.
  assertEquals(counter.count(JSON.parse(JSON.stringify(block(0)))), first);
  assertEquals(counter.tokenizedChars, before, "counted from the hashed memo, not tokenized");
  // Texts of one length that differ in one character are told apart.
  const other = block(0).replace("result 0", "result X");
  assertEquals(other.length, block(0).length);
  counter.count(other);
  assertEquals(counter.tokenizedChars, before + other.length, "a different text is tokenized");
});
