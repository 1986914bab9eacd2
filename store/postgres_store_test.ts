import { assertEquals } from "../testing/assert.ts";
import { isClosedSocketWrite, toDollarParams } from "./postgres_store.ts";

Deno.test("toDollarParams numbers placeholders for Postgres", () => {
  assertEquals(
    toDollarParams("SELECT * FROM t WHERE a = ? AND b IN (?, ?)"),
    "SELECT * FROM t WHERE a = $1 AND b IN ($2, $3)",
  );
});

Deno.test("isClosedSocketWrite matches only postgres's write-after-close TypeError", () => {
  const bug = new TypeError("Cannot read properties of null (reading 'write')");
  bug.stack =
    `${bug.message}\n    at nextWrite (file:///x/node_modules/postgres/src/connection.js:255:22)`;
  assertEquals(isClosedSocketWrite(bug), true);
  const other = new TypeError("Cannot read properties of null (reading 'write')");
  other.stack = `${other.message}\n    at mine (file:///app/writer.ts:1:1)`;
  assertEquals(isClosedSocketWrite(other), false);
  assertEquals(isClosedSocketWrite(new Error("connection refused")), false);
});
