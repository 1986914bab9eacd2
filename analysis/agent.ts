/**
 * What a coding agent says about itself in a call: its own session id, its client name,
 * the launch it came from, the opening of its first user message, and the subagents its
 * response spawns. Pure: headers and parsed parts in, facts out.
 * @module
 */
import type { ResponseSummary } from "../core/record.ts";
import { isObject, type Segment, str } from "../formats/segment.ts";

/** What chaining and naming learn from an agent's call. */
export interface AgentFacts {
  /** The agent's own session id (Claude Code, Codex, Gemini CLI), or null. */
  session: string | null;
  /** The client, from `user-agent`: "Claude Code 2.1.197", "Codex 0.171.0", "openai-node", … */
  client: string | null;
  /** The `llmprof run` launch, from the x-llmprof-launch header. */
  launch: string | null;
  /** The thread that spawned this agent, when it says (Codex's x-codex-parent-thread-id). */
  parentThread: string | null;
  /** The first user message's own text, agent-injected blocks removed (at most 2,000 characters). */
  opening: string | null;
  /** The prompts of subagents this call's response spawns (Claude Code's Agent/Task tool, Codex's spawn_agent, the Gemini CLI's invoke_agent). */
  spawns: string[];
}

/** The header `llmprof run` tags a launch's calls with. */
export const LAUNCH_HEADER = "x-llmprof-launch";

/**
 * The header carrying an agent's session id when the agent itself sends none: the Gemini CLI
 * over the Gemini API sends no session id, so `llmprof run -- gemini` starts it with
 * `--session-id ID` and adds this header (through GEMINI_CLI_CUSTOM_HEADERS).
 */
export const AGENT_SESSION_HEADER = "x-llmprof-agent-session";

/** Tools through which an agent spawns a subagent, and the argument holding its prompt. */
const SPAWN_TOOLS: ReadonlyMap<string, string> = new Map([
  ["Task", "prompt"],
  ["Agent", "prompt"],
  ["spawn_agent", "message"],
  ["invoke_agent", "prompt"],
]);

/** The envelope Codex puts around a message between its agents (a subagent's task, its answer). */
const AGENT_ENVELOPE = /^\s*Message Type: \S+\s+Task name: \S+\s+Sender: \S+\s+Payload:/;

/** Blocks agents inject into user messages that are not what the user typed. */
const INJECTED =
  /<(system-reminder|environment_context|user_instructions|user_shell_command|turn_aborted|session_context)>[\s\S]*?<\/\1>/g;

/** A client's display name from its user-agent, or null when there is none. */
export function clientName(userAgent: string | undefined): string | null {
  if (!userAgent) return null;
  const patterns: Array<[RegExp, (m: RegExpExecArray) => string]> = [
    [/^claude-cli\/(\S+)/, (m) => `Claude Code ${m[1]}`],
    [/^codex[_\w-]*\/(\S+)/, (m) => `Codex ${m[1]}`],
    [/GeminiCLI(?:-[\w-]+)?\/([^\s/]+)/, (m) => `Gemini CLI ${m[1]}`],
    [/^aider\/?(\S*)/, (m) => `aider${m[1] ? " " + m[1] : ""}`],
    [/^OpenAI\/JS\b/, () => "openai-node"],
    [/^OpenAI\/Python\b/, () => "openai-python"],
    [/^Anthropic\/JS\b/, () => "anthropic-sdk-typescript"],
    [/^Anthropic\/Python\b/, () => "anthropic-sdk-python"],
  ];
  for (const [pattern, name] of patterns) {
    const m = pattern.exec(userAgent);
    if (m) return name(m);
  }
  return userAgent.split(/[\s/]/)[0].slice(0, 40) || null;
}

/**
 * The agent's own session id: Claude Code's header or metadata, Codex's `session-id` header
 * (its subagents send their root session's), or the one `llmprof run` gave the Gemini CLI.
 */
export function agentSession(headers: Record<string, string>, body: unknown): string | null {
  const header = headers["x-claude-code-session-id"] ?? headers["session-id"] ??
    headers["session_id"] ?? headers[AGENT_SESSION_HEADER] ?? headers["x-session-id"];
  if (header) return header.slice(0, 200);
  const userId = isObject(body) && isObject(body.metadata) ? str(body.metadata.user_id) : "";
  if (!userId) return null;
  // Claude Code sends a JSON object with session_id; older versions "user_…_session_<uuid>".
  try {
    const parsed = JSON.parse(userId);
    if (isObject(parsed) && str(parsed.session_id)) return str(parsed.session_id).slice(0, 200);
  } catch {
    // not JSON: the older form
  }
  const m = /_session_([0-9a-f-]{8,})$/i.exec(userId);
  return m ? m[1] : null;
}

/** The first user message's own text: injected blocks removed, whitespace collapsed. */
export function openingText(segments: readonly Segment[]): string | null {
  const byMessage = new Map<number, string[]>();
  for (const s of segments) {
    if (s.component !== "user input" || s.message === undefined || !s.text) continue;
    const texts = byMessage.get(s.message) ?? [];
    texts.push(s.text);
    byMessage.set(s.message, texts);
  }
  for (const index of [...byMessage.keys()].sort((a, b) => a - b)) {
    const text = ownText(byMessage.get(index)!.join("\n"));
    if (text) return text.slice(0, 2000);
  }
  return null;
}

/** Text with the blocks agents inject removed. */
export function ownText(text: string): string {
  return text.replace(INJECTED, " ").replace(AGENT_ENVELOPE, " ")
    .replace(/^# AGENTS\.md instructions[\s\S]*$/m, " ")
    .replace(/\s+/g, " ").trim();
}

/** The prompts of the subagents a response spawns. */
export function spawnedPrompts(response: ResponseSummary | null): string[] {
  const prompts: string[] = [];
  for (const call of response?.tool_calls ?? []) {
    const field = SPAWN_TOOLS.get(call.name);
    if (!field) continue;
    try {
      const args = JSON.parse(call.arguments);
      const prompt = isObject(args) ? ownText(str(args[field])) : "";
      if (prompt) prompts.push(prompt.slice(0, 2000));
    } catch {
      // arguments cut short: nothing to match
    }
  }
  return prompts;
}

/** True for a coding agent's client name (its tools are grouped as built-in and MCP). */
export function isCodingAgent(client: string | null): boolean {
  return client !== null && /^(Claude Code|Codex|Gemini CLI|aider)\b/.test(client);
}

/** What an agent's call says about itself. */
export function agentFacts(
  headers: Record<string, string>,
  body: unknown,
  parts: { segments: readonly Segment[]; response: ResponseSummary | null },
): AgentFacts {
  return {
    session: agentSession(headers, body),
    client: clientName(headers["user-agent"]),
    launch: headers[LAUNCH_HEADER]?.slice(0, 100) ?? null,
    parentThread: headers["x-codex-parent-thread-id"]?.slice(0, 200) ?? null,
    opening: openingText(parts.segments),
    spawns: spawnedPrompts(parts.response),
  };
}

/** A run's name: the client and the first user message's opening words. */
export function runName(facts: Pick<AgentFacts, "client" | "opening">): string | null {
  const words = facts.opening?.split(" ").slice(0, 8).join(" ") ?? "";
  const opening = words.length > 60 ? words.slice(0, 59) + "…" : words;
  if (!facts.client && !opening) return null;
  return [facts.client, opening && `“${opening}”`].filter(Boolean).join(" · ");
}
