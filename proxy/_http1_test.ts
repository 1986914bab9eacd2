import { assertEquals, assertThrows } from "../testing/assert.ts";
import {
  chunkSize,
  framingOf,
  headEnd,
  keepsAlive,
  parseResponseHead,
  readLatin1,
} from "./_http1.ts";

Deno.test("a response head is parsed into status and headers, folded lines joined", () => {
  const head = parseResponseHead(
    "HTTP/1.1 429 Too Many Requests\r\nretry-after:  3 \r\nx-note: one\r\n\ttwo\r\nset-cookie: a\r\nset-cookie: b",
  );
  assertEquals(head.status, 429);
  assertEquals(head.minor, 1);
  assertEquals(head.headers.get("retry-after"), "3");
  assertEquals(head.headers.get("x-note"), "one two");
  assertEquals(head.headers.getSetCookie(), ["a", "b"]);
});

Deno.test("a status line without a reason phrase is accepted", () => {
  assertEquals(parseResponseHead("HTTP/1.0 200").status, 200);
});

Deno.test("a head's end is found only once its blank line has come, bare LFs taken too", () => {
  const bytes = new TextEncoder().encode("HTTP/1.1 200 OK\r\na: b\r\n\r\nbody");
  assertEquals(headEnd(bytes, 0), 25);
  assertEquals(headEnd(bytes.subarray(0, 24), 0), -1);
  const bare = new TextEncoder().encode("HTTP/1.1 204 No Content\na: b\n\n");
  assertEquals(headEnd(bare, 0), bare.length);
  assertEquals(parseResponseHead("HTTP/1.1 204 No Content\na: b\n\n").headers.get("a"), "b");
});

Deno.test("header bytes are read as Latin-1, as node:http reads them", () => {
  assertEquals(readLatin1(new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x80])), "caf\u00e9\u0080");
  assertEquals(readLatin1(new TextEncoder().encode("content-length: 12")), "content-length: 12");
});

Deno.test("a body's framing follows RFC 9112: none, chunked, a length, or the connection's close", () => {
  const of = (method: string, text: string) => framingOf(method, parseResponseHead(text));
  assertEquals(of("HEAD", "HTTP/1.1 200 OK\r\ncontent-length: 5"), { kind: "none" });
  assertEquals(of("GET", "HTTP/1.1 304 Not Modified"), { kind: "none" });
  assertEquals(
    of("GET", "HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\ncontent-length: 5"),
    {
      kind: "chunked",
    },
  );
  assertEquals(of("GET", "HTTP/1.1 200 OK\r\ntransfer-encoding: gzip"), { kind: "close" });
  assertEquals(of("GET", "HTTP/1.1 200 OK\r\ncontent-length: 5, 5"), { kind: "length", length: 5 });
  assertEquals(of("GET", "HTTP/1.1 200 OK"), { kind: "close" });
  assertThrows(
    () => of("GET", "HTTP/1.1 200 OK\r\ncontent-length: 5, 6"),
    Error,
    "invalid Content-Length",
  );
  assertThrows(
    () => of("GET", "HTTP/1.1 200 OK\r\ncontent-length: -1"),
    Error,
    "invalid Content-Length",
  );
});

Deno.test("a connection is kept for HTTP/1.1 unless closed, and for HTTP/1.0 only when asked", () => {
  const kept = (text: string) => {
    const head = parseResponseHead(text);
    return keepsAlive(head, framingOf("GET", head));
  };
  assertEquals(kept("HTTP/1.1 200 OK\r\ncontent-length: 0"), true);
  assertEquals(kept("HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: Close"), false);
  assertEquals(kept("HTTP/1.1 200 OK"), false);
  assertEquals(kept("HTTP/1.0 200 OK\r\ncontent-length: 0"), false);
  assertEquals(kept("HTTP/1.0 200 OK\r\ncontent-length: 0\r\nconnection: keep-alive"), true);
  assertEquals(kept("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-length: 5"), false);
});

Deno.test("a chunk size is hex with extensions ignored; anything else is refused", () => {
  assertEquals(chunkSize("1aF"), 431);
  assertEquals(chunkSize("10;name=value"), 16);
  assertThrows(() => chunkSize(""), Error, "malformed chunk size");
  assertThrows(() => chunkSize("-1"), Error, "malformed chunk size");
});
