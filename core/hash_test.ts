import { assertEquals } from "../testing/assert.ts";
import { hash64 } from "./hash.ts";

Deno.test("hash64 gives the same 16 digits as the hashes already stored, seeded or not", () => {
  // Chain keys and block hashes in existing stores were made with these values.
  assertEquals(hash64(""), "811c9dc55ad1e806");
  assertEquals(hash64("hello"), "4f9f2cab7a40ee9d");
  assertEquals(hash64("hello", "seed"), "8dcb87887a40ee9d");
  assertEquals(hash64("\u0000\uffff caf\u00e9 😀"), "8d1612f6354c0b10");
  assertEquals(hash64("x".repeat(5000)), "616035e55634a5ce");
});

Deno.test("hash64 hashes a joined string as it hashes the same text flat", () => {
  const joined = ["811c9dc55ad1e806", "\u0000", "4f9f2cab7a40ee9d"].join("");
  assertEquals(hash64(joined), hash64("811c9dc55ad1e806\u00004f9f2cab7a40ee9d"));
  assertEquals(/^[0-9a-f]{16}$/.test(hash64(joined)), true);
});
