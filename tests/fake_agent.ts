/**
 * The fake upstream's scripted coding-agent turns. A conversation whose first user message
 * says `[fake-agent] read PATH` is played as an agent's tool loop: read PATH, spawn a
 * subagent (Claude Code's Agent tool) told `[fake-sub] read PATH`, read PATH again, answer.
 * The subagent reads PATH and answers. On the Responses API (Codex), the agent runs
 * `cat PATH` (from its code-mode `exec` tool, or a shell tool), spawns a subagent with
 * `spawn_agent` and waits for it, runs `cat PATH` again, and answers.
 */

type Json = Record<string, unknown>;

/**
 * A scripted turn: a tool to call with its arguments, or text to answer. A `custom` tool
 * (Responses API) takes free text, not JSON; a tool in a `namespace` is called by its name there.
 */
export type ScriptedTurn =
  | { tool: string; args: Json; id: string; namespace?: string }
  | { tool: string; input: string; id: string; custom: true }
  | { text: string };

function texts(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((b) =>
    typeof b === "object" && b !== null
      ? String(
        (b as Json).text ?? (b as Json).encrypted_content ??
          (typeof (b as Json).content === "string" ? (b as Json).content : ""),
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

/** A declared tool: its name, the namespace holding it, and whether it is a custom one. */
interface Declared {
  name: string;
  namespace?: string;
  custom: boolean;
}

/**
 * The tools a request declares: in `tools`, and Codex's in an `additional_tools` input item,
 * grouped in namespaces.
 */
function declaredTools(request: Json): Declared[] {
  const out: Declared[] = [];
  const add = (tools: unknown, namespace?: string) => {
    for (const t of Array.isArray(tools) ? tools as Json[] : []) {
      if (t.type === "namespace") add(t.tools, String(t.name));
      else {
        const name = String(t.name ?? (t.function as Json | undefined)?.name ?? t.type ?? "");
        out.push({ name, namespace, custom: t.type === "custom" });
      }
    }
  };
  add(request.tools);
  const input = Array.isArray(request.input) ? request.input as Json[] : [];
  for (const item of input) if (item.type === "additional_tools") add(item.tools);
  return out;
}

/** The turn the script plays next, or null when the conversation is not scripted. */
export function scriptedTurn(request: Json): ScriptedTurn | null {
  const items = (request.messages ?? request.input) as Json[] | undefined;
  if (!Array.isArray(items)) return null;
  // Codex hands a subagent its task in an agent_message item, not a user message.
  const users = items.filter((m) => m.role === "user" || m.type === "agent_message")
    .map((m) => own(texts(m.content)));
  const opening = users.find((t) => t.includes("[fake-agent]") || t.includes("[fake-sub]"));
  if (!opening) return null;
  const path = /read (\S+)/.exec(opening)?.[1] ?? "README.md";
  const results = items.reduce(
    (n, m) =>
      n + (m.type === "function_call_output" || m.type === "custom_tool_call_output" ? 1 : 0) +
      (Array.isArray(m.content)
        ? (m.content as Json[]).filter((b) => b.type === "tool_result").length
        : 0),
    0,
  );
  const id = (n: number) => `toolu_fake_${opening.includes("[fake-sub]") ? "sub" : "main"}_${n}`;
  const declared = declaredTools(request);
  const tools = declared.map((t) => t.name);
  if (request.input !== undefined) return codexTurn(declared, { opening, path, results, id });
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

/**
 * Codex on the Responses API. Codex 0.171 runs commands from JavaScript in its custom `exec`
 * tool (code mode, `tools.exec_command`); older ones call a shell tool. The main agent reads
 * PATH, spawns a subagent through `collaboration.spawn_agent` (when offered), waits for it,
 * reads PATH again, and answers; the subagent reads PATH and answers.
 */
function codexTurn(
  declared: readonly Declared[],
  at: { opening: string; path: string; results: number; id: (n: number) => string },
): ScriptedTurn {
  const { opening, path, results, id } = at;
  const find = (name: string) => declared.find((t) => t.name === name);
  const exec = declared.find((t) => t.name === "exec" && t.custom);
  const shell = declared.find((t) =>
    t.name === "shell" || t.name === "exec_command" || t.name === "shell_command"
  );
  const read = (n: number): ScriptedTurn | null => {
    if (exec) {
      const input =
        `const r = await tools.exec_command({ cmd: ${JSON.stringify(`cat ${path}`)} });\n` +
        "text(r.output);";
      return { tool: exec.name, input, id: id(n), custom: true };
    }
    if (!shell) return null;
    const args = shell.name === "exec_command"
      ? { cmd: `cat ${path}` }
      : shell.name === "shell_command"
      ? { command: `cat ${path}` }
      : { command: ["cat", path] };
    return { tool: shell.name, args, id: id(n) };
  };
  const spawn = find("spawn_agent");
  const wait = find("wait_agent");
  const plan: Array<ScriptedTurn | null> = opening.includes("[fake-sub]")
    ? [read(0), { text: "Subagent done." }]
    : [
      read(0),
      spawn
        ? {
          tool: spawn.name,
          namespace: spawn.namespace,
          args: {
            task_name: "read_notes",
            message: `[fake-sub] read ${path} and summarise it`,
            fork_turns: "none",
          },
          id: id(1),
        }
        : null,
      spawn && wait
        ? { tool: wait.name, namespace: wait.namespace, args: { timeout_ms: 30_000 }, id: id(2) }
        : null,
      read(3),
      { text: "Done: the file is read." },
    ];
  const turns = plan.filter((t): t is ScriptedTurn => t !== null);
  return turns[Math.min(results, turns.length - 1)];
}
