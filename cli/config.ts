import { isLoopback } from "../core/hosts.ts";
import { redactDbUrl } from "../core/redact.ts";
import type { ServerConfig } from "../server.ts";
import { parseArgs } from "node:util";
import { otlpHeaders, otlpTracesUrl } from "../export/otlp_config.ts";
import type { Privacy } from "../core/record.ts";

/** Everything llmprof needs to start, resolved from flags, environment and defaults. */
export interface Config extends ServerConfig {
  /** Data directory. */
  home: string;
}

const PRIVACY_LEVELS: readonly Privacy[] = ["full", "redact", "metadata"];

/** A flag or environment value that llmprof cannot start with; the message says which and what to do. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** One configurable setting: its flag, its environment variable and its default. */
export interface Setting {
  flag: string;
  env: string;
  help: string;
  default: string;
  /** Repeatable; its environment variable is comma-separated. */
  multiple?: boolean;
}

/** The settings table shared by `--help`, the README and parsing. */
export const SETTINGS: readonly Setting[] = [
  { flag: "host", env: "LLMPROF_HOST", default: "127.0.0.1", help: "address to bind" },
  { flag: "port", env: "LLMPROF_PORT", default: "4000", help: "port to bind (0 picks a free one)" },
  {
    flag: "upstream",
    env: "LLMPROF_UPSTREAM",
    default: "https://api.openai.com",
    help: "OpenAI-compatible upstream",
  },
  {
    flag: "anthropic-upstream",
    env: "LLMPROF_ANTHROPIC_UPSTREAM",
    default: "https://api.anthropic.com",
    help: "Anthropic upstream",
  },
  {
    flag: "gemini-upstream",
    env: "LLMPROF_GEMINI_UPSTREAM",
    default: "https://generativelanguage.googleapis.com",
    help: "Gemini API upstream",
  },
  {
    flag: "vertex-upstream",
    env: "LLMPROF_VERTEX_UPSTREAM",
    default: "https://aiplatform.googleapis.com",
    help: "Vertex AI upstream (your region's host)",
  },
  {
    flag: "azure-upstream",
    env: "LLMPROF_AZURE_UPSTREAM",
    default: "the --upstream",
    help: "Azure OpenAI resource, https://NAME.openai.azure.com",
  },
  { flag: "home", env: "LLMPROF_HOME", default: "~/.llmprof", help: "data directory" },
  {
    flag: "db",
    env: "LLMPROF_DB_URL",
    default: "sqlite:<home>/llmprof.db",
    help: "store: sqlite:<file> or postgres://…",
  },
  {
    flag: "pricing",
    env: "LLMPROF_PRICING",
    default: "none",
    help: "JSON file of price overrides",
  },
  {
    flag: "timeout",
    env: "LLMPROF_TIMEOUT",
    default: "600",
    help: "seconds to wait for an upstream's response headers",
  },
  {
    flag: "otlp-endpoint",
    env: "OTEL_EXPORTER_OTLP_ENDPOINT",
    default: "none",
    help: "OpenTelemetry collector (OTLP/HTTP) that gets one span per call",
  },
  {
    flag: "token",
    env: "LLMPROF_TOKEN",
    default: "none",
    help: "token for llmprof's pages and API; required when bound beyond loopback",
  },
  {
    flag: "allowed-host",
    env: "LLMPROF_ALLOWED_HOSTS",
    default: "none",
    help: "another Host name the pages and API answer to (repeatable)",
    multiple: true,
  },
  {
    flag: "allowed-origin",
    env: "LLMPROF_ALLOWED_ORIGINS",
    default: "none",
    help: "a browser origin allowed to call proxied paths (repeatable)",
    multiple: true,
  },
  {
    flag: "privacy",
    env: "LLMPROF_PRIVACY",
    default: "full",
    help: "what is stored: full, redact (secrets replaced) or metadata (no text)",
  },
  {
    flag: "idle-timeout",
    env: "LLMPROF_IDLE_TIMEOUT",
    default: "300",
    help: "seconds a response body may go without a byte before the call is ended",
  },
  {
    flag: "retain",
    env: "LLMPROF_RETAIN_DAYS",
    default: "forever",
    help: "days to keep calls; older ones are deleted in the background",
  },
];

/** Parses `llmprof up` flags over environment variables over defaults. Throws ConfigError. */
export function parseConfig(args: string[], env: Record<string, string | undefined>): Config {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    values = parseArgs({
      args,
      options: Object.fromEntries(
        SETTINGS.map((s) => [s.flag, { type: "string" as const, multiple: s.multiple === true }]),
      ),
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}; see llmprof --help.`);
  }
  const pick = (flag: string): string | undefined => {
    const setting = SETTINGS.find((s) => s.flag === flag)!;
    const value = values[flag] ?? env[setting.env];
    return typeof value === "string" && value !== "" ? value : undefined;
  };
  const list = (flag: string): string[] => {
    const setting = SETTINGS.find((s) => s.flag === flag)!;
    const given = values[flag];
    const raw = Array.isArray(given) ? given : (env[setting.env] ?? "").split(",");
    return raw.map((v) => v.trim()).filter((v) => v !== "");
  };

  const home = expandHome(pick("home") ?? "~/.llmprof", env);
  const host = pick("host") ?? "127.0.0.1";
  const token = pick("token") ?? null;
  if (token === null && !isLoopback(host)) {
    throw new ConfigError(
      `Refusing to expose every stored prompt on ${host} without a token: pass --token (or set LLMPROF_TOKEN), or bind to loopback with --host 127.0.0.1.`,
    );
  }
  if (token !== null && token.length < 16) {
    throw new ConfigError(
      `The token is too short (${token.length} characters): use at least 16, e.g. from openssl rand -hex 16.`,
    );
  }
  return {
    host,
    port: parsePort(pick("port") ?? "4000"),
    upstream: parseUpstream("--upstream", pick("upstream") ?? "https://api.openai.com"),
    anthropicUpstream: parseUpstream(
      "--anthropic-upstream",
      pick("anthropic-upstream") ?? "https://api.anthropic.com",
    ),
    geminiUpstream: parseUpstream(
      "--gemini-upstream",
      pick("gemini-upstream") ?? "https://generativelanguage.googleapis.com",
    ),
    vertexUpstream: parseUpstream(
      "--vertex-upstream",
      pick("vertex-upstream") ?? "https://aiplatform.googleapis.com",
    ),
    azureUpstream: optionalUpstream("--azure-upstream", pick("azure-upstream")),
    home,
    db: parseDbUrl(pick("db") ?? `sqlite:${home}/llmprof.db`, env),
    pricing: pick("pricing") ?? null,
    timeoutMs: parseTimeout(pick("timeout") ?? "600"),
    allowedHosts: list("allowed-host").map((h) => h.toLowerCase()),
    allowedOrigins: list("allowed-origin").map(parseOrigin),
    token,
    privacy: parsePrivacy(pick("privacy") ?? "full"),
    otlp: parseOtlp(
      typeof values["otlp-endpoint"] === "string" ? values["otlp-endpoint"] : undefined,
      env,
    ),
    idleTimeoutMs: parseTimeout(pick("idle-timeout") ?? "300", "idle timeout"),
    retainDays: parseRetain(pick("retain")),
  };
}

function parseOtlp(
  flag: string | undefined,
  env: Record<string, string | undefined>,
): Config["otlp"] {
  try {
    const endpoint = otlpTracesUrl(flag, env);
    return endpoint ? { endpoint, headers: otlpHeaders(env.OTEL_EXPORTER_OTLP_HEADERS) } : null;
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

function parsePrivacy(value: string): Privacy {
  if ((PRIVACY_LEVELS as readonly string[]).includes(value)) return value as Privacy;
  throw new ConfigError(`Invalid --privacy "${value}": use full, redact or metadata.`);
}

function parseOrigin(value: string): string {
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch { /* reported below */ }
  if (
    url === null || (url.protocol !== "http:" && url.protocol !== "https:") ||
    url.origin !== value.replace(/\/$/, "")
  ) {
    throw new ConfigError(
      `Invalid --allowed-origin "${value}": use an origin such as https://app.example.com:8080 (scheme, host and port, no path).`,
    );
  }
  return url.origin;
}

/** `--retain`: a whole number of days above 0, or "forever" (the default). */
function parseRetain(value: string | undefined): number | null {
  if (value === undefined || value === "forever") return null;
  const days = Number(value.replace(/d$/, ""));
  if (!Number.isInteger(days) || days < 1) {
    throw new ConfigError(
      `Invalid retention "${value}": use a whole number of days above 0 (--retain 30), or leave it unset to keep everything.`,
    );
  }
  return days;
}

function expandHome(path: string, env: Record<string, string | undefined>): string {
  if (path !== "~" && !path.startsWith("~/")) return path;
  const home = env.HOME ?? env.USERPROFILE;
  if (!home) {
    throw new ConfigError(
      `Cannot expand "${path}": HOME is not set; pass --home with a full path.`,
    );
  }
  return home + path.slice(1);
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new ConfigError(`Invalid port "${value}": use a whole number from 0 to 65535.`);
  }
  return port;
}

function parseTimeout(value: string, name = "timeout"): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new ConfigError(`Invalid ${name} "${value}": use a number of seconds above 0.`);
  }
  return seconds * 1000;
}

function parseUpstream(flag: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(
      `Invalid ${flag} "${value}": use a full URL such as https://api.openai.com.`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(
      `Invalid ${flag} "${value}": only http:// and https:// upstreams are supported.`,
    );
  }
  if (url.search || url.hash) {
    throw new ConfigError(
      `Invalid ${flag} "${value}": an upstream URL takes no query or fragment.`,
    );
  }
  return url;
}

function optionalUpstream(flag: string, value: string | undefined): URL | undefined {
  return value === undefined ? undefined : parseUpstream(flag, value);
}

function parseDbUrl(value: string, env: Record<string, string | undefined>): string {
  if (value.startsWith("postgres://") || value.startsWith("postgresql://")) return value;
  if (value.startsWith("sqlite:")) {
    const path = value.slice("sqlite:".length).replace(/^\/\/(?=\/)/, "");
    if (path === "") {
      throw new ConfigError(
        `Invalid store "${value}": name a file, as in sqlite:/path/llmprof.db.`,
      );
    }
    return "sqlite:" + expandHome(path, env);
  }
  throw new ConfigError(
    `Unknown store "${
      redactDbUrl(value)
    }": use sqlite:<file> or postgres://user:password@host/database.`,
  );
}
