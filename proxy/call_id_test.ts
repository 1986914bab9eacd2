import { assert, assertEquals } from "../testing/assert.ts";
import { newCallId } from "./call_id.ts";

Deno.test("call ids are 26 characters that sort by creation time", () => {
  const earlier = newCallId(Date.UTC(2026, 10, 27, 12));
  const later = newCallId(Date.UTC(2026, 10, 27, 13));
  assertEquals(earlier.length, 26);
  assert(/^[0-9A-HJKMNP-TV-Z]{26}$/.test(earlier), earlier);
  assert(earlier < later);
});

Deno.test("call ids made in the same millisecond are all different", () => {
  const now = Date.now();
  const ids = new Set(Array.from({ length: 10_000 }, () => newCallId(now)));
  assertEquals(ids.size, 10_000);
});
