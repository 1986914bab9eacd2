/**
 * HTTP/1.1 wire format for the upstream client: a request head out, a response head and
 * body framing in (RFC 9112). Pure functions over bytes and strings, no I/O.
 */
import type { HeaderPairs } from "./headers.ts";

/** A response's status line and headers, as the upstream sent them. */
export interface ResponseHead {
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minor: number;
  status: number;
  headers: Headers;
}

/** How a response body is delimited: not at all, by length, by chunks, or by the connection's close. */
export type Framing =
  | { kind: "none" }
  | { kind: "length"; length: number }
  | { kind: "chunked" }
  | { kind: "close" };

/** Writes `text` as Latin-1 bytes at the start of `out` (header bytes are Latin-1, as node:http sends them). */
export function writeLatin1(text: string, out: Uint8Array): void {
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
}

const ascii = new TextDecoder();

/** Latin-1 text of `bytes`: decoded natively when all ASCII (about 15 times faster for a head), else byte by byte. */
export function readLatin1(bytes: Uint8Array): string {
  let i = 0;
  while (i < bytes.length && bytes[i] < 0x80) i++;
  if (i === bytes.length) return ascii.decode(bytes);
  let text = "";
  for (let at = 0; at < bytes.length; at += 4096) {
    text += String.fromCharCode.apply(null, bytes.subarray(at, at + 4096) as unknown as number[]);
  }
  return text;
}

/**
 * The request head: request line, Host, `connection: keep-alive`, the given headers in order, then the body's framing
 * (`length` bytes, or chunked when null and a body follows).
 */
export function requestHead(
  request: { method: string; target: string; host: string; headers: HeaderPairs },
  body: { length: number | null; none: boolean },
): string {
  let head =
    `${request.method} ${request.target} HTTP/1.1\r\nhost: ${request.host}\r\nconnection: keep-alive\r\n`;
  for (const [name, value] of request.headers) head += `${name}: ${value}\r\n`;
  if (body.length !== null) head += `content-length: ${body.length}\r\n`;
  else if (!body.none) head += "transfer-encoding: chunked\r\n";
  return head + "\r\n";
}

/**
 * Where the head in `bytes` ends (just past its blank line), searching from `from`, or -1 if it
 * has not all come. A blank line of a bare LF is taken too, as RFC 9112 §2.2 allows.
 */
export function headEnd(bytes: Uint8Array, from: number): number {
  const to = bytes.length;
  for (let i = from; i + 1 < to; i++) {
    if (bytes[i] !== 10) continue;
    if (bytes[i + 1] === 10) return i + 2;
    if (bytes[i + 1] === 13 && i + 2 < to && bytes[i + 2] === 10) return i + 3;
  }
  return -1;
}

const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: [^\r\n]*)?$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Parses a response head (status line, header lines, blank line); throws on a malformed one. */
export function parseResponseHead(text: string): ResponseHead {
  const lines = text.split(/\r?\n/);
  const status = STATUS_LINE.exec(lines[0]);
  if (!status) {
    throw new Error(
      `the upstream sent a malformed status line: ${JSON.stringify(lines[0].slice(0, 80))}`,
    );
  }
  const headers = new Headers();
  let name = "";
  let value = "";
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line === "") continue;
    if (line[0] === " " || line[0] === "\t") {
      // An obsolete folded line continues the header before it (RFC 9112 §5.2).
      if (name === "") {
        throw new Error("the upstream sent a folded header line with no header before it");
      }
      value += " " + line.trim();
      continue;
    }
    if (name !== "") headers.append(name, value);
    const colon = line.indexOf(":");
    name = colon > 0 ? line.slice(0, colon) : "";
    if (!TOKEN.test(name)) {
      throw new Error(
        `the upstream sent a malformed header line: ${JSON.stringify(line.slice(0, 80))}`,
      );
    }
    value = line.slice(colon + 1).trim();
  }
  if (name !== "") headers.append(name, value);
  return { minor: Number(status[1]), status: Number(status[2]), headers };
}

/** How the body of a response to `method` is delimited (RFC 9112 §6.3); throws when its lengths disagree. */
export function framingOf(method: string, head: ResponseHead): Framing {
  const { status, headers } = head;
  if (method === "HEAD" || status < 200 || status === 204 || status === 304) {
    return { kind: "none" };
  }
  const coding = headers.get("transfer-encoding");
  if (coding !== null) {
    return /(?:^|,)[ \t]*chunked[ \t]*$/i.test(coding) ? { kind: "chunked" } : { kind: "close" };
  }
  const declared = headers.get("content-length");
  if (declared === null) return { kind: "close" };
  const values = new Set(declared.split(",").map((v) => v.trim()));
  const length = values.size === 1 ? Number([...values][0]) : NaN;
  if (!/^\d+$/.test([...values][0]) || !Number.isSafeInteger(length)) {
    throw new Error(`the upstream sent an invalid Content-Length: ${JSON.stringify(declared)}`);
  }
  return { kind: "length", length };
}

/** Whether the connection may carry another exchange after this response. */
export function keepsAlive(head: ResponseHead, framing: Framing): boolean {
  if (framing.kind === "close" || head.status === 101) return false;
  // Both framings at once may be a smuggling attempt: the connection ends with it (RFC 9112 §6.3).
  if (head.headers.has("transfer-encoding") && head.headers.has("content-length")) return false;
  const connection = head.headers.get("connection")?.toLowerCase() ?? "";
  return head.minor === 1
    ? !/(?:^|,)\s*close\s*(?:,|$)/.test(connection)
    : /(?:^|,)\s*keep-alive\s*(?:,|$)/.test(connection);
}

/** The size of a chunk from its size line (extensions ignored); throws on a malformed one. */
export function chunkSize(line: string): number {
  const semicolon = line.indexOf(";");
  const digits = (semicolon === -1 ? line : line.slice(0, semicolon)).trim();
  if (!/^[0-9a-fA-F]{1,12}$/.test(digits)) {
    throw new Error(
      `the upstream sent a malformed chunk size: ${JSON.stringify(line.slice(0, 40))}`,
    );
  }
  return parseInt(digits, 16);
}
