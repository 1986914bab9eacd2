import { assertEquals } from "../tests/assert.ts";
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
