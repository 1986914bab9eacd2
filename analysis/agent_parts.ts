/**
 * What coding agents inject into a prompt, named for the flame graph: `<system-reminder>`,
 * `<environment_context>` and the Gemini CLI's `<session_context>` blocks, memory files (CLAUDE.md, AGENTS.md, GEMINI.md), skills, and tools grouped as
 * MCP servers (`mcp__server__tool`) and the agent's built-in tools. Pure: text in, parts out.
 * @module
 */

/** Separates a group from its member in a child label ("MCP github" › "create_issue"). */
export const GROUP = "\u001f";

/** A stretch of a text that an agent injected, with its name. */
export interface AgentPart {
  label: string;
  text: string;
}

const BLOCK =
  /<(system-reminder|environment_context|user_instructions|session_context)>[\s\S]*?<\/\1>/g;
/** A memory file's contents as Claude Code includes them: "Contents of /repo/CLAUDE.md …". */
const MEMORY = /Contents of [^\n]*?\b(CLAUDE(?:\.local)?\.md|AGENTS\.md|GEMINI\.md)\b/;

/** The name of one injected block. */
function partLabel(tag: string, block: string): string {
  const memory = MEMORY.exec(block);
  if (memory) return `memory: ${memory[1]}`;
  if (/skills? (are|is) available|Skill tool/i.test(block.slice(0, 600))) return "skills";
  return `<${tag}>`;
}

/** The injected parts of a text; [] for text with none (the common case costs one indexOf). */
export function agentParts(text: string): AgentPart[] {
  const parts: AgentPart[] = [];
  if (
    text.includes("<system-reminder>") || text.includes("<environment_context>") ||
    text.includes("<user_instructions>") || text.includes("<session_context>")
  ) {
    for (const m of text.matchAll(BLOCK)) parts.push({ label: partLabel(m[1], m[0]), text: m[0] });
  }
  // Codex sends AGENTS.md as its own message; Gemini CLI puts GEMINI.md in the system prompt.
  const agentsMd = /^# AGENTS\.md instructions[\s\S]*/m.exec(text);
  if (agentsMd && parts.length === 0) parts.push({ label: "memory: AGENTS.md", text: agentsMd[0] });
  const gemini = /--- Context from: [^\n]*GEMINI\.md ---[\s\S]*?(?=--- Context from:|$)/.exec(text);
  if (gemini) parts.push({ label: "memory: GEMINI.md", text: gemini[0] });
  return parts;
}

/** An MCP tool's server and own name, from its `mcp__server__tool` name; null for any other tool. */
export function mcpTool(name: string): { server: string; tool: string } | null {
  const mcp = /^mcp__(.+?)__(.+)$/.exec(name);
  return mcp ? { server: mcp[1], tool: mcp[2] } : null;
}

/** The group a tool's schema falls in: its MCP server, or the agent's built-in tools. */
export function toolGroup(name: string): string {
  const mcp = mcpTool(name);
  return mcp ? `MCP ${mcp.server}` : "built-in tools";
}
