/**
 * The fake upstream's scripted coding-agent turns. A conversation whose first user message
 * says `[fake-agent] read PATH` is played as an agent's tool loop: read PATH, spawn a
 * subagent (Claude Code's Agent tool) told `[fake-sub] read PATH`, read PATH again, answer.
 * The subagent reads PATH and answers. On the Responses API (Codex), the agent runs
 * `cat PATH` through its shell tool, then answers.
 */

type Json = Record<string, unknown>;

/** A scripted turn: a tool to call with its arguments, or text to answer. */
export type ScriptedTurn = { tool: string; args: Json; id: string } | { text: string };

function texts(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((b) =>
    typeof b === "object" && b !== null
      ? String(
        (b as Json).text ?? (typeof (b as Json).content === "string" ? (b as Json).content : ""),
      )
      : ""
  ).join("\n");
}

/** Text blocks the agents inject before the user's own words. */
function own(text: string): string {
  return text.replace(
    /<(system-reminder|environment_context|user_instructions)>[\s\S]*?<\/\1>/g,
    "",
  )
    .trim();
}

function toolNames(request: Json): string[] {
  return ((request.tools as Json[] | undefined) ?? []).map((t) =>
    String(t.name ?? (t.function as Json | undefined)?.name ?? t.type ?? "")
  );
}

/** The turn the script plays next, or null when the conversation is not scripted. */
export function scriptedTurn(request: Json): ScriptedTurn | null {
  const items = (request.messages ?? request.input) as Json[] | undefined;
  if (!Array.isArray(items)) return null;
  const users = items.filter((m) => m.role === "user").map((m) => own(texts(m.content)));
  const opening = users.find((t) => t.includes("[fake-agent]") || t.includes("[fake-sub]"));
  if (!opening) return null;
  const path = /read (\S+)/.exec(opening)?.[1] ?? "README.md";
  const results = items.reduce((n, m) =>
    n + (m.type === "function_call_output" ? 1 : 0) +
    (Array.isArray(m.content)
      ? (m.content as Json[]).filter((b) => b.type === "tool_result").length
      : 0), 0);
  const id = (n: number) => `toolu_fake_${opening.includes("[fake-sub]") ? "sub" : "main"}_${n}`;
  const tools = toolNames(request);
  if (request.input !== undefined) {
    // Codex: its shell tool, then an answer.
    const shell = tools.find((t) => t === "shell" || t === "exec_command" || t === "shell_command");
    if (results === 0 && shell) {
      const args = shell === "exec_command"
        ? { cmd: `cat ${path}` }
        : shell === "shell_command"
        ? { command: `cat ${path}` }
        : { command: ["cat", path] };
      return { tool: shell, args, id: id(0) };
    }
    return { text: "Done: the file is read." };
  }
  const spawner = tools.find((t) => t === "Agent" || t === "Task");
  const plan: ScriptedTurn[] = opening.includes("[fake-sub]")
    ? [{ tool: "Read", args: { file_path: path }, id: id(0) }, { text: "Subagent done." }]
    : [
      { tool: "Read", args: { file_path: path }, id: id(0) },
      ...(spawner
        ? [{
          tool: spawner,
          args: {
            description: "Read the notes",
            prompt: `[fake-sub] read ${path} and summarise it`,
            subagent_type: "general-purpose",
          },
          id: id(1),
        }]
        : []),
      { tool: "Read", args: { file_path: path }, id: id(2) },
      { text: "All done." },
    ];
  return plan[Math.min(results, plan.length - 1)];
}
