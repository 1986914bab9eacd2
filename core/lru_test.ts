import { assertEquals } from "../testing/assert.ts";
import { Lru } from "./lru.ts";

Deno.test("Lru keeps recently used entries within its bound", () => {
  const lru = new Lru<string, number>(4);
  for (const [i, key] of ["a", "b", "c", "d"].entries()) lru.set(key, i);
  assertEquals(lru.get("a"), 0, "a is promoted on use");
  lru.set("e", 4);
  lru.set("f", 5);
  assertEquals(lru.get("a"), 0);
  assertEquals(lru.get("b"), undefined, "b was not used and aged out");
  assertEquals(lru.size <= 4, true);
});

Deno.test("Lru with a weight keeps entries up to that total weight", () => {
  const lru = new Lru<string, string>(100, { weigh: (v) => v.length });
  lru.set("a", "x".repeat(40));
  lru.set("b", "x".repeat(40));
  lru.set("c", "x".repeat(40));
  lru.set("d", "x".repeat(40));
  assertEquals(lru.get("a"), undefined, "a was retired once 160 characters were held");
  assertEquals(lru.get("d")?.length, 40);
  assertEquals(lru.size <= 3, true);
});

Deno.test("Lru can weigh entries by their keys", () => {
  const lru = new Lru<string, number>(100, { weigh: (_, key) => key.length });
  for (const key of ["a".repeat(40), "b".repeat(40), "c".repeat(40), "d".repeat(40)]) {
    lru.set(key, 1);
  }
  assertEquals(lru.get("a".repeat(40)), undefined, "retired once 160 characters of keys were held");
  assertEquals(lru.get("d".repeat(40)), 1);
});

Deno.test("clearing an Lru drops every entry", () => {
  const lru = new Lru<string, number>(4);
  for (const [i, key] of ["a", "b", "c", "d"].entries()) lru.set(key, i);
  lru.clear();
  assertEquals([lru.size, lru.get("a"), lru.get("d")], [0, undefined, undefined]);
});
