import { assertEquals } from "../testing/assert.ts";
import { scanJson } from "./blocks.ts";

Deno.test("scanJson ends each string at its first unescaped quote, however many backslashes come before", () => {
  const text = String.raw`{"a":"x\"y","b":"\\","c":"\\\"q","d":["\\\\",1],"e\"k":{"f":"é\u0022"}}`;
  const span = scanJson(text)!;
  const at = (s: { start: number; end: number }) => text.slice(s.start, s.end);
  const members = span.members!;
  assertEquals([...members.keys()], ["a", "b", "c", "d", 'e"k']);
  assertEquals(JSON.parse(at(members.get("a")!)), 'x"y');
  assertEquals(JSON.parse(at(members.get("b")!)), "\\");
  assertEquals(JSON.parse(at(members.get("c")!)), '\\"q');
  assertEquals(members.get("d")!.items!.map((item) => JSON.parse(at(item))), ["\\\\", 1]);
  assertEquals(JSON.parse(at(members.get('e"k')!)), { f: 'é"' });
  assertEquals(span.end, text.length);
});

Deno.test("scanJson answers null for a string that never closes", () => {
  assertEquals(scanJson(String.raw`{"a":"x\"}`), null);
  assertEquals(scanJson(String.raw`["\\\"]`), null);
});
