/**
 * The traces URL from `--otlp-endpoint` or the standard variables:
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as given, a base endpoint gets `/v1/traces`.
 */
export function otlpTracesUrl(
  flag: string | undefined,
  env: Record<string, string | undefined>,
): URL | null {
  const full = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base = flag ?? (full ? undefined : env.OTEL_EXPORTER_OTLP_ENDPOINT);
  const value = base ?? full;
  if (!value) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(
      `Invalid OTLP endpoint "${value}": use an http(s) URL such as http://127.0.0.1:4318.`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(
      `Invalid OTLP endpoint "${value}": use an http(s) URL such as http://127.0.0.1:4318.`,
    );
  }
  if (base !== undefined && !url.pathname.endsWith("/v1/traces")) {
    url.pathname = url.pathname.replace(/\/$/, "") + "/v1/traces";
  }
  return url;
}

/** Parses OTEL_EXPORTER_OTLP_HEADERS (`key=value,key2=value2`, values URL-encoded). */
export function otlpHeaders(value: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (value ?? "").split(",")) {
    const at = pair.indexOf("=");
    if (at <= 0) continue;
    headers[decodeURIComponent(pair.slice(0, at).trim())] = decodeURIComponent(
      pair.slice(at + 1).trim(),
    );
  }
  return headers;
}
