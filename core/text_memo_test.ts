import { assertEquals } from "../testing/assert.ts";
import { TextMemo } from "./text_memo.ts";

Deno.test("a text memo works a text out once, and again only once both its memos let it go", () => {
  const memo = new TextMemo<number>({ chars: 50_000, hashed: 30 });
  const worked: string[] = [];
  const length = (text: string) => (worked.push(text.slice(0, 8)), text.length);
  const long = (i: number) => `text ${String(i).padStart(3, "0")} ` + "x".repeat(5_000);
  assertEquals(memo.remember(long(0), length), 5_009);
  assertEquals(memo.remember(long(0), length), 5_009);
  assertEquals(worked.length, 1, "the second time came from the memo");
  for (let i = 1; i < 20; i++) memo.remember(long(i), length);
  worked.length = 0;
  // long(0) has left the text keys (20 × 5 KB > 50,000 characters) but not the hashed ones.
  memo.remember(JSON.parse(JSON.stringify(long(0))), length);
  assertEquals(worked, [], "remembered by hash");
  for (let i = 20; i < 80; i++) memo.remember(long(i), length);
  worked.length = 0;
  memo.remember(long(0), length);
  assertEquals(worked, ["text 000"], "let go by both, so worked out again");
});

Deno.test("a text memo tells apart long texts of one length that differ in one character", () => {
  const memo = new TextMemo<string>({ chars: 1_000 });
  const a = "a".repeat(600) + "1" + "a".repeat(600);
  const b = "a".repeat(600) + "2" + "a".repeat(600);
  assertEquals(memo.remember(a, () => "A"), "A");
  assertEquals(memo.remember(b, () => "B"), "B");
  assertEquals(memo.remember(a, () => "again"), "A");
});
