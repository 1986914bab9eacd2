/**
 * The forward proxy the environment names for an upstream: HTTP_PROXY, HTTPS_PROXY and
 * NO_PROXY (lower-case names first), read as Node.js and fetch read them.
 */

/** The proxy settings, read once. */
export interface ProxyEnv {
  http: URL | null;
  https: URL | null;
  /** NO_PROXY's entries, lower case: `*`, hosts or domains (a leading `.` or `*.` allowed), each with an optional `:port`. */
  noProxy: string[];
}

/** A proxy to go through, with the Proxy-Authorization its URL's credentials make. */
export interface ProxyChoice {
  url: URL;
  authorization: string | null;
}

/** The proxy settings in this process's environment; an unparsable proxy URL is an error that says which. */
export function proxyEnv(get: (name: string) => string | undefined = readEnv): ProxyEnv {
  const url = (lower: string) => {
    const value = get(lower) || get(lower.toUpperCase());
    if (!value) return null;
    try {
      return new URL(value.includes("://") ? value : `http://${value}`);
    } catch {
      throw new Error(
        `Cannot use ${lower.toUpperCase()} "${value}": it is not a URL; set it to http://host:port.`,
      );
    }
  };
  const noProxy = (get("no_proxy") || get("NO_PROXY") || "").toLowerCase().split(/[\s,]+/)
    .filter((entry) => entry !== "");
  return { http: url("http_proxy"), https: url("https_proxy"), noProxy };
}

function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    // Without --allow-env there is no proxy to honour.
    return undefined;
  }
}

/** The proxy a request to this host goes through, or null to go direct. */
export function proxyFor(
  env: ProxyEnv,
  target: { secure: boolean; hostname: string; port: number },
): ProxyChoice | null {
  const url = target.secure ? env.https : env.http;
  if (url === null || exempt(env.noProxy, target.hostname.toLowerCase(), target.port)) return null;
  const user = decodeURIComponent(url.username);
  const authorization = user || url.password
    ? `Basic ${base64(`${user}:${decodeURIComponent(url.password)}`)}`
    : null;
  return { url, authorization };
}

function exempt(entries: string[], hostname: string, port: number): boolean {
  for (const entry of entries) {
    if (entry === "*") return true;
    // `[v6]:port`, a bare IPv6 address (more than one colon), or `host:port`.
    const match = /^\[(.*)\](?::(\d+))?$/.exec(entry) ??
      (entry.indexOf(":") !== entry.lastIndexOf(":")
        ? [entry, entry]
        : /^(.*?)(?::(\d+))?$/.exec(entry)!);
    if (match[2] !== undefined && Number(match[2]) !== port) continue;
    const domain = match[1].replace(/^\*?\./, "");
    if (hostname === domain || hostname.endsWith(`.${domain}`)) return true;
  }
  return false;
}

function base64(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}
