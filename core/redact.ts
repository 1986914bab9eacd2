/**
 * Redaction: what makes headers, queries and URLs safe to record, log or show. Every layer
 * that records or prints a secret-bearing value passes it through here.
 * @module
 */

const SECRET_HEADERS = new Set([
  "authorization",
  "proxy-authorization",
  "x-api-key",
  "api-key",
  "x-goog-api-key",
  "cookie",
  "set-cookie",
]);
const SECRET_NAME = /key|token|secret|auth|password|cookie/i;
const SECRET_PARAMS = /^(key|api[-_]?key|token|access[-_]?token|secret)$/i;

/** Replaces secret values in records. */
export const REDACTED = "[redacted]";

/** A plain-object copy of headers with every secret value replaced, safe to record or show. */
export function redactHeaders(
  headers: Headers | ReadonlyArray<readonly [name: string, value: string]>,
): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (value: string, name: string) => {
    out[name] = SECRET_HEADERS.has(name) || SECRET_NAME.test(name) ? REDACTED : value;
  };
  if (headers instanceof Headers) headers.forEach(add);
  else for (const [name, value] of headers) add(value, name);
  return out;
}

/** A query string ("?a=b" or "") with secret parameters such as `key=` redacted. */
export function redactQuery(search: string): string {
  if (search === "" || search === "?") return "";
  const params = new URLSearchParams(search);
  const out = new URLSearchParams();
  for (const [name, value] of params) out.append(name, SECRET_PARAMS.test(name) ? REDACTED : value);
  return "?" + out.toString();
}

/** A URL safe to log: credentials and secret query parameters removed. */
export function redactUrl(url: URL): string {
  const copy = new URL(url);
  copy.username = "";
  copy.password = "";
  copy.search = redactQuery(copy.search);
  return copy.toString();
}

/** A store URL safe to print: any password replaced. */
export function redactDbUrl(value: string): string {
  return value.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
}
