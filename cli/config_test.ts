import { assertEquals, assertThrows } from "../testing/assert.ts";
import { ConfigError, parseConfig } from "./config.ts";

const env = { HOME: "/home/ada" };

Deno.test("parseConfig applies the defaults of the design's configuration table", () => {
  const config = parseConfig([], env);
  assertEquals(config.host, "127.0.0.1");
  assertEquals(config.port, 4000);
  assertEquals(config.upstream.href, "https://api.openai.com/");
  assertEquals(config.anthropicUpstream.href, "https://api.anthropic.com/");
  assertEquals(config.home, "/home/ada/.llmprof");
  assertEquals(config.db, "sqlite:/home/ada/.llmprof/llmprof.db");
  assertEquals(config.pricing, null);
});

Deno.test("parseConfig takes flags over environment variables", () => {
  const fromEnv = parseConfig([], {
    ...env,
    LLMPROF_HOST: "0.0.0.0",
    LLMPROF_PORT: "5000",
    LLMPROF_UPSTREAM: "http://localhost:11434",
    LLMPROF_ANTHROPIC_UPSTREAM: "http://localhost:9000",
    LLMPROF_HOME: "/data",
    LLMPROF_DB_URL: "postgres://u:p@db/llmprof",
    LLMPROF_PRICING: "/etc/prices.json",
  });
  assertEquals(
    [
      fromEnv.host,
      fromEnv.port,
      fromEnv.upstream.host,
      fromEnv.anthropicUpstream.host,
      fromEnv.home,
      fromEnv.db,
      fromEnv.pricing,
    ],
    [
      "0.0.0.0",
      5000,
      "localhost:11434",
      "localhost:9000",
      "/data",
      "postgres://u:p@db/llmprof",
      "/etc/prices.json",
    ],
  );
  const flags = parseConfig(["--port", "6000", "--home=/x", "--db", "sqlite:~/t.db"], {
    ...env,
    LLMPROF_PORT: "5000",
  });
  assertEquals([flags.port, flags.home, flags.db], [6000, "/x", "sqlite:/home/ada/t.db"]);
});

Deno.test("parseConfig rejects bad values with one sentence naming them", () => {
  assertThrows(() => parseConfig(["--port", "http"], env), ConfigError, 'Invalid port "http"');
  assertThrows(() => parseConfig(["--port", "70000"], env), ConfigError, "0 to 65535");
  assertThrows(
    () => parseConfig(["--upstream", "api.openai.com"], env),
    ConfigError,
    'Invalid --upstream "api.openai.com"',
  );
  assertThrows(
    () => parseConfig(["--upstream", "ftp://x"], env),
    ConfigError,
    "http:// and https://",
  );
  assertThrows(
    () => parseConfig(["--db", "mysql://u:hunter2@h/d"], env),
    ConfigError,
    'Unknown store "mysql://u:***@h/d"',
  );
  assertThrows(() => parseConfig(["--bogus"], env), ConfigError, "--bogus");
  assertThrows(() => parseConfig(["--timeout", "0"], env), ConfigError, 'Invalid timeout "0"');
});

Deno.test("parseConfig keeps everything by default and takes --retain or LLMPROF_RETAIN_DAYS in days", () => {
  assertEquals(parseConfig([], env).retainDays, null);
  assertEquals(parseConfig(["--retain", "30"], env).retainDays, 30);
  assertEquals(parseConfig([], { ...env, LLMPROF_RETAIN_DAYS: "7d" }).retainDays, 7);
  assertThrows(() => parseConfig(["--retain", "0"], env), ConfigError, 'Invalid retention "0"');
});
