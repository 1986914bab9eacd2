import { redactDbUrl } from "../core/redact.ts";
import type { ServerConfig } from "../server.ts";
import { parseArgs } from "node:util";

/** Everything llmprof needs to start, resolved from flags, environment and defaults. */
export interface Config extends ServerConfig {
  /** Data directory. */
  home: string;
}

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
    flag: "retain",
    env: "LLMPROF_RETAIN_DAYS",
    default: "forever",
    help: "days to keep calls; older ones are deleted in the background",
  },
];

/** Parses `llmprof up` flags over environment variables over defaults. Throws ConfigError. */
export function parseConfig(args: string[], env: Record<string, string | undefined>): Config {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args,
      options: Object.fromEntries(SETTINGS.map((s) => [s.flag, { type: "string" as const }])),
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

  const home = expandHome(pick("home") ?? "~/.llmprof", env);
  return {
    host: pick("host") ?? "127.0.0.1",
    port: parsePort(pick("port") ?? "4000"),
    upstream: parseUpstream("--upstream", pick("upstream") ?? "https://api.openai.com"),
    anthropicUpstream: parseUpstream(
      "--anthropic-upstream",
      pick("anthropic-upstream") ?? "https://api.anthropic.com",
    ),
    home,
    db: parseDbUrl(pick("db") ?? `sqlite:${home}/llmprof.db`, env),
    pricing: pick("pricing") ?? null,
    timeoutMs: parseTimeout(pick("timeout") ?? "600"),
    retainDays: parseRetain(pick("retain")),
  };
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

function parseTimeout(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new ConfigError(`Invalid timeout "${value}": use a number of seconds above 0.`);
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
