/**
 * `llmprof run [options] [--] CMD ARGS…` and the `llmprof claude|codex|gemini …` shortcuts:
 * runs a coding agent (or any command) through llmprof and prints a summary when it exits.
 * @module
 */
import { basename } from "node:path";
import { type Config, ConfigError, parseConfig, SETTINGS } from "./config.ts";
import { LOCAL_PREFIX } from "../core/paths.ts";
import { AGENT_SESSION_HEADER, LAUNCH_HEADER } from "../analysis/agent.ts";
import { formatTop, topReport } from "../reports/top.ts";
import type { CallRecord } from "../core/record.ts";
import type { CallSummary } from "../store/contract.ts";
import { PortInUseError, startLlmprof, UpstreamLoopError } from "../server.ts";
import { StoreError } from "../store/mod.ts";
import { PricingError } from "../pricing/overrides.ts";

/** What `llmprof run` was asked to do. */
export interface RunArgs {
  /** llmprof's own flags (settings of `up`). */
  flags: string[];
  quiet: boolean;
  command: string;
  args: string[];
}

/** Splits `llmprof run`'s arguments into llmprof's flags and the child's command line. Throws ConfigError. */
export function parseRunArgs(args: readonly string[]): RunArgs {
  const flags: string[] = [];
  let quiet = false;
  let i = 0;
  const valued = new Set(SETTINGS.map((s) => `--${s.flag}`));
  for (; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      i++;
      break;
    }
    if (arg === "--quiet" || arg === "-q") quiet = true;
    else if (valued.has(arg)) {
      if (i + 1 >= args.length) throw new ConfigError(`${arg} needs a value; see llmprof --help.`);
      flags.push(arg, args[++i]);
    } else if (arg.startsWith("--") && valued.has(arg.split("=")[0])) flags.push(arg);
    else if (arg.startsWith("-")) {
      throw new ConfigError(
        `Unknown option "${arg}" for llmprof run: put the command after --, as in llmprof run -- ${arg}.`,
      );
    } else break;
  }
  const [command, ...rest] = args.slice(i);
  if (!command) {
    throw new ConfigError("llmprof run needs a command, as in: llmprof run -- claude");
  }
  return { flags, quiet, command, args: rest };
}

/** A short random launch id. */
export function launchId(): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  return [...crypto.getRandomValues(new Uint8Array(10))].map((b) => alphabet[b % 32]).join("");
}

/** Gemini CLI arguments after which it starts no new session of its own, or none at all. */
const GEMINI_NO_NEW_SESSION = new Set([
  "-r",
  "--resume",
  "--session-file",
  "--list-sessions",
  "--delete-session",
]);
/** Gemini CLI subcommands, which talk to no model. */
const GEMINI_COMMANDS = new Set([
  "mcp",
  "extensions",
  "extension",
  "skills",
  "skill",
  "hooks",
  "hook",
  "gemma",
]);

/**
 * The session id a Gemini CLI launch runs under, and the arguments that start it: the CLI
 * sends no session id to the Gemini API, so a new session gets `--session-id` (the id
 * `gemini --resume` lists it by) and llmprof sends it as a header. The user's own
 * `--session-id` is kept; a resumed session or a subcommand gets none.
 */
export function geminiSession(args: readonly string[]): { id: string | null; args: string[] } {
  const at = args.findIndex((a) => a === "--session-id" || a.startsWith("--session-id="));
  if (at >= 0) {
    const id = args[at].includes("=") ? args[at].split("=")[1] : args[at + 1] ?? "";
    return { id: id || null, args: [] };
  }
  const resumed = args.some((a) => GEMINI_NO_NEW_SESSION.has(a.split("=")[0]));
  if (resumed || GEMINI_COMMANDS.has(args[0] ?? "")) return { id: null, args: [] };
  const id = crypto.randomUUID();
  return { id, args: ["--session-id", id] };
}

/**
 * The child's environment and extra arguments: every provider's base URL pointed at
 * llmprof, the launch id as a header where the tool lets one be added, the rest untouched.
 * `args` are the child's own arguments (the Gemini CLI's decide its session id).
 */
export function childSetup(
  command: string,
  env: Record<string, string>,
  options: { url: string; launch: string; args?: readonly string[] },
): { env: Record<string, string>; args: string[] } {
  const { url, launch } = options;
  const headers = [env.ANTHROPIC_CUSTOM_HEADERS, `${LAUNCH_HEADER}: ${launch}`]
    .filter(Boolean).join("\n");
  const out: Record<string, string> = {
    ...env,
    ANTHROPIC_BASE_URL: url,
    OPENAI_BASE_URL: `${url}/v1`,
    GOOGLE_GEMINI_BASE_URL: url,
    ANTHROPIC_CUSTOM_HEADERS: headers,
    LLMPROF_LAUNCH: launch,
  };
  const args: string[] = [];
  const tool = basename(command).replace(/\.(js|cmd|exe)$/, "");
  if (tool === "gemini") {
    // The Gemini CLI adds GEMINI_CLI_CUSTOM_HEADERS ("name: value, name: value") to each call.
    const session = geminiSession(options.args ?? []);
    out.GEMINI_CLI_CUSTOM_HEADERS = [
      env.GEMINI_CLI_CUSTOM_HEADERS,
      `${LAUNCH_HEADER}: ${launch}`,
      session.id && `${AGENT_SESSION_HEADER}: ${session.id}`,
    ].filter(Boolean).join(", ");
    args.push(...session.args);
  }
  if (tool === "codex") {
    // Codex reads its provider from its config, not OPENAI_BASE_URL; this one speaks plain
    // HTTP streaming to llmprof and tags each call with the launch.
    const provider = `{ name = "llmprof", base_url = "${url}/v1", wire_api = "responses", ` +
      `env_key = "OPENAI_API_KEY", supports_websockets = false, ` +
      `http_headers = { "${LAUNCH_HEADER}" = "${launch}" } }`;
    args.push("-c", `model_providers.llmprof=${provider}`, "-c", "model_provider=llmprof");
  }
  return { env: out, args };
}

/** What answers on an address: llmprof (with its version), something else, or nothing. */
export async function probe(url: string): Promise<"llmprof" | "other" | "none"> {
  try {
    const response = await fetch(`${url}${LOCAL_PREFIX}/health`, {
      signal: AbortSignal.timeout(2000),
    });
    const body = await response.json().catch(() => null) as Record<string, unknown> | null;
    if (body && typeof body.version === "string" && typeof body.store === "object") {
      return "llmprof";
    }
    return "other";
  } catch (error) {
    if (error instanceof TypeError && /refused|connect/i.test(error.message)) return "none";
    return "other";
  }
}

/** Waits until llmprof has analysed and written everything it received (at most `ms`). */
async function settled(url: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  let idleTimes = 0;
  while (Date.now() < deadline) {
    try {
      const h = await (await fetch(`${url}${LOCAL_PREFIX}/health`)).json();
      const idle = h.queue.pending === 0 && (h.analysis?.busy ?? 0) === 0 && h.store.backlog === 0;
      idleTimes = idle ? idleTimes + 1 : 0;
      if (idleTimes >= 2) return;
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** A launch's records, read from the llmprof that recorded them. */
export async function launchRecords(url: string, launch: string): Promise<CallRecord[]> {
  const api = `${url}${LOCAL_PREFIX}/api/calls`;
  const list = await (await fetch(`${api}?launch=${encodeURIComponent(launch)}&limit=1000`))
    .json() as { calls: CallSummary[] };
  const records: CallRecord[] = [];
  for (const call of list.calls.reverse()) {
    const response = await fetch(`${api}/${encodeURIComponent(call.id)}`);
    if (response.ok) records.push(await response.json());
  }
  return records;
}

const FORWARDED: Deno.Signal[] = [
  "SIGTERM",
  "SIGHUP",
  "SIGQUIT",
  "SIGINT",
  "SIGUSR1",
  "SIGUSR2",
  "SIGWINCH",
];

/** The exit status a shell reports for a child killed by a signal. */
const SIGNAL_NUMBERS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGUSR2: 12,
  SIGTERM: 15,
};

/** `llmprof run`: runs the command through llmprof and returns its exit status. */
export async function run(
  parsed: RunArgs,
  env: Record<string, string>,
): Promise<number> {
  const config: Config = parseConfig(parsed.flags, env);
  const say = (line: string) => parsed.quiet || console.error(line);
  // While the child runs the terminal is its own: llmprof's messages wait until it exits.
  const held: string[] = [];
  let holding = false;
  const log = (line: string) => {
    if (!holding) return say(line);
    if (held.length < 50) held.push(line);
  };
  let url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${config.port}`;
  let own: Awaited<ReturnType<typeof startLlmprof>> | null = null;
  const found = config.port === 0 ? "none" : await probe(url);
  if (found === "other") {
    throw new ConfigError(
      `Something that is not llmprof answers on ${url}: stop it or pass --port to use another port.`,
    );
  }
  if (found === "none") {
    try {
      own = await startLlmprof(config, { log });
    } catch (error) {
      if (
        error instanceof PortInUseError || error instanceof UpstreamLoopError ||
        error instanceof StoreError || error instanceof PricingError
      ) throw new ConfigError(error.message);
      throw error;
    }
    url = own.url;
    say(`llmprof: profiling on ${url} for this command (dashboard ${url}${LOCAL_PREFIX}/)`);
  } else {
    say(`llmprof: using the llmprof already on ${url}`);
  }

  holding = true;
  const launch = launchId();
  const setup = childSetup(parsed.command, env, { url, launch, args: parsed.args });
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(parsed.command, {
      args: [...setup.args, ...parsed.args],
      env: setup.env,
      clearEnv: true,
      stdin: "inherit",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
  } catch (error) {
    await own?.shutdown();
    throw new ConfigError(`Cannot run "${parsed.command}": ${(error as Error).message}.`);
  }
  // A terminal's Ctrl-C already reaches the child (same process group); forwarding it again
  // would count twice, so SIGINT is forwarded only when there is no terminal.
  const tty = Deno.stdin.isTerminal();
  const listeners: Array<[Deno.Signal, () => void]> = [];
  if (Deno.build.os !== "windows") {
    for (const signal of FORWARDED) {
      const forward = () => {
        if (signal === "SIGINT" && tty) return;
        try {
          child.kill(signal);
        } catch {
          // already gone
        }
      };
      try {
        Deno.addSignalListener(signal, forward);
        listeners.push([signal, forward]);
      } catch {
        // a signal this platform does not let us listen to
      }
    }
  }
  const status = await child.status;
  for (const [signal, forward] of listeners) Deno.removeSignalListener(signal, forward);
  const code = status.signal ? 128 + (SIGNAL_NUMBERS[status.signal] ?? 0) : status.code;
  holding = false;
  for (const line of held) say(line);

  if (!parsed.quiet) {
    try {
      await settled(url, 15_000);
      const records = await launchRecords(url, launch);
      console.error(
        "\n" + formatTop(topReport(records), { dashboard: `${url}${LOCAL_PREFIX}` }) +
          `\n(launch ${launch}: llmprof top --launch ${launch} shows this again)`,
      );
    } catch (error) {
      console.error(
        `llmprof: cannot read this launch's calls for the summary: ${(error as Error).message}`,
      );
    }
  }
  await own?.shutdown();
  return code;
}
