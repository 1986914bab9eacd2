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
  assertEquals(config.geminiUpstream?.href, "https://generativelanguage.googleapis.com/");
  assertEquals(config.vertexUpstream?.href, "https://aiplatform.googleapis.com/");
  assertEquals(config.azureUpstream, undefined, "Azure goes to --upstream unless given");
});

Deno.test("parseConfig reads the Gemini, Vertex AI and Azure upstreams", () => {
  const config = parseConfig(["--azure-upstream", "https://acme.openai.azure.com"], {
    ...env,
    LLMPROF_GEMINI_UPSTREAM: "http://localhost:9001",
    LLMPROF_VERTEX_UPSTREAM: "https://us-central1-aiplatform.googleapis.com",
  });
  assertEquals(
    [config.geminiUpstream?.host, config.vertexUpstream?.host, config.azureUpstream?.host],
    ["localhost:9001", "us-central1-aiplatform.googleapis.com", "acme.openai.azure.com"],
  );
  assertThrows(
    () => parseConfig(["--azure-upstream", "acme.openai.azure.com"], env),
    ConfigError,
    'Invalid --azure-upstream "acme.openai.azure.com"',
  );
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
    LLMPROF_TOKEN: "a-team-token-of-32-characters!!!",
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
  assertThrows(
    () => parseConfig(["--idle-timeout", "none"], env),
    ConfigError,
    'Invalid idle timeout "none"',
  );
});

Deno.test("parseConfig takes an OpenTelemetry collector from --otlp-endpoint or the OTEL_ variables", () => {
  assertEquals(parseConfig([], env).otlp, null);
  const fromEnv = parseConfig([], {
    ...env,
    OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
    OTEL_EXPORTER_OTLP_HEADERS: "authorization=Bearer%20abc",
  }).otlp;
  assertEquals(fromEnv?.endpoint.href, "http://collector:4318/v1/traces");
  assertEquals(fromEnv?.headers, { authorization: "Bearer abc" });
  const fromFlag = parseConfig(["--otlp-endpoint", "http://127.0.0.1:9/v1/traces"], {
    ...env,
    OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
  }).otlp;
  assertEquals(fromFlag?.endpoint.href, "http://127.0.0.1:9/v1/traces");
  assertThrows(
    () => parseConfig(["--otlp-endpoint", "collector"], env),
    ConfigError,
    'Invalid OTLP endpoint "collector"',
  );
});

Deno.test("parseConfig refuses to bind beyond loopback without a token", () => {
  assertThrows(() => parseConfig(["--host", "0.0.0.0"], env), ConfigError, "--token");
  assertThrows(
    () => parseConfig([], { ...env, LLMPROF_HOST: "10.0.0.5" }),
    ConfigError,
    "127.0.0.1",
  );
  for (const host of ["127.0.0.1", "localhost", "::1", "[::1]", "app.localhost"]) {
    assertEquals(parseConfig(["--host", host], env).token, null);
  }
  assertThrows(() => parseConfig(["--token", "short"], env), ConfigError, "at least 16");
  assertEquals(
    parseConfig(["--host", "0.0.0.0"], { ...env, LLMPROF_TOKEN: "0123456789abcdef" }).token,
    "0123456789abcdef",
  );
});

Deno.test("parseConfig takes repeatable allowed hosts and origins, and a privacy level", () => {
  const flags = parseConfig([
    "--allowed-host",
    "Box.internal",
    "--allowed-host",
    "llmprof.team",
    "--allowed-origin",
    "https://app.example.com:8080",
    "--privacy",
    "redact",
  ], env);
  assertEquals(flags.allowedHosts, ["box.internal", "llmprof.team"]);
  assertEquals(flags.allowedOrigins, ["https://app.example.com:8080"]);
  assertEquals(flags.privacy, "redact");
  const fromEnv = parseConfig([], {
    ...env,
    LLMPROF_ALLOWED_HOSTS: "a.internal, b.internal",
    LLMPROF_PRIVACY: "metadata",
  });
  assertEquals([fromEnv.allowedHosts, fromEnv.privacy], [["a.internal", "b.internal"], "metadata"]);
  assertEquals(parseConfig([], env).privacy, "full");
  assertThrows(
    () => parseConfig(["--privacy", "none"], env),
    ConfigError,
    "full, redact or metadata",
  );
  assertThrows(
    () => parseConfig(["--allowed-origin", "https://app.example.com/path"], env),
    ConfigError,
    "no path",
  );
});

Deno.test("parseConfig keeps everything by default and takes --retain or LLMPROF_RETAIN_DAYS in days", () => {
  assertEquals(parseConfig([], env).retainDays, null);
  assertEquals(parseConfig(["--retain", "30"], env).retainDays, 30);
  assertEquals(parseConfig([], { ...env, LLMPROF_RETAIN_DAYS: "7d" }).retainDays, 7);
  assertThrows(() => parseConfig(["--retain", "0"], env), ConfigError, 'Invalid retention "0"');
});
