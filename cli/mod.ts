/**
 * The `llmprof` command line.
 * @module
 */
import { ConfigError, parseConfig } from "./config.ts";
import { helpText } from "./help.ts";
import { up } from "./up.ts";

import { reset } from "./reset.ts";
import { prune } from "./prune.ts";
import { traces } from "./traces.ts";
import { exportCommand } from "./export.ts";
import { parseRunArgs, run } from "./run.ts";
import { top } from "./top.ts";
import { StoreError } from "../store/mod.ts";
import { PricingError } from "../pricing/overrides.ts";
import { VERSION } from "../core/version.ts";

/** Agents with a shortcut: `llmprof claude …` is `llmprof run -- claude …`. */
const AGENTS = new Set(["claude", "codex", "gemini"]);

/** Runs the command line and returns the exit status. */
export async function runCli(args: string[]): Promise<number> {
  const [first, ...rest] = args;
  if (first === "--help" || first === "-h" || first === "help") {
    console.log(helpText());
    return 0;
  }
  if (first === "--version" || first === "-V") {
    console.log(VERSION);
    return 0;
  }
  const command = first === undefined || first.startsWith("-") ? "up" : first;
  const commandArgs = command === first ? rest : args;
  const launches = command === "run" || AGENTS.has(command);
  if (!launches && (commandArgs.includes("--help") || commandArgs.includes("-h"))) {
    console.log(helpText());
    return 0;
  }
  try {
    switch (command) {
      case "up":
        return await up(parseConfig(commandArgs, Deno.env.toObject()));
      case "prices":
        // Loaded on demand: the price catalogue is large, and `up` does not need it here.
        return await (await import("./prices.ts")).prices(commandArgs, Deno.env.toObject());
      case "traces":
        return await traces(commandArgs, Deno.env.toObject());
      case "export":
        return await exportCommand(commandArgs, Deno.env.toObject());
      case "reset":
        return await reset(commandArgs, Deno.env.toObject());
      case "prune":
        return await prune(commandArgs, Deno.env.toObject());
      case "top":
        return await top(commandArgs, Deno.env.toObject());
      case "run":
        if (commandArgs[0] === "--help" || commandArgs[0] === "-h") {
          console.log(helpText());
          return 0;
        }
        return await run(parseRunArgs(commandArgs), Deno.env.toObject());
      case "claude":
      case "codex":
      case "gemini":
        // Every argument is the agent's own; llmprof's settings come from the environment.
        return await run(
          { flags: [], quiet: false, command, args: commandArgs },
          Deno.env.toObject(),
        );
      default:
        console.error(`Unknown command "${command}": run llmprof --help to see the commands.`);
        return 2;
    }
  } catch (error) {
    if (
      error instanceof ConfigError || error instanceof PricingError || error instanceof StoreError
    ) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
}
