/** Synthetic agent traffic for tests and benchmarks. */

const TOOL_NAMES = [
  "read_file",
  "write_file",
  "list_dir",
  "grep",
  "run_tests",
  "run_shell",
  "git_diff",
  "git_log",
  "search_web",
  "fetch_url",
  "open_issue",
  "comment",
  "create_branch",
  "apply_patch",
  "format_code",
  "lint",
  "typecheck",
  "install_package",
  "query_db",
  "send_email",
  "schedule",
  "summarise",
  "translate",
  "plot_chart",
  "ask_user",
];

/** `count` function tools with realistic schemas (25 by default). */
export function agentTools(count = 25): Array<Record<string, unknown>> {
  return TOOL_NAMES.slice(0, count).map((name, i) => ({
    type: "function",
    function: {
      name,
      description: `${name.replaceAll("_", " ")}: use this tool when the task needs it. `.repeat(3)
        .trim(),
      parameters: {
        type: "object",
        properties: {
          path: { type: "string", description: "Path relative to the repository root." },
          query: { type: "string", description: `What to ${name.split("_")[0]}.` },
          mode: { type: "string", enum: ["fast", "thorough"], description: "How hard to try." },
          limit: { type: "integer", description: `At most this many results (tool ${i}).` },
        },
        required: ["path"],
      },
    },
  }));
}

function fileText(turn: number, size: number): string {
  const line = (n: number) =>
    `  const value${n} = compute(${n}, "turn ${turn}"); // step ${n} of the work\n`;
  let out = `// file for turn ${turn}\n`;
  for (let n = 0; out.length < size; n++) out += line(n);
  return out;
}

/**
 * A coding agent's chat completions requests, turn by turn: each turn repeats the
 * whole conversation and adds a tool call and its result of `resultChars` characters.
 */
export function agentRun(
  turns: number,
  options: { resultChars?: number; tools?: number; systemChars?: number } = {},
): Array<Record<string, unknown>> {
  const tools = agentTools(options.tools ?? 25);
  const sentence = "You are a meticulous coding agent. Work step by step. ";
  const messages: Array<Record<string, unknown>> = [
    {
      role: "system",
      content: sentence.repeat(
        Math.ceil((options.systemChars ?? 40 * sentence.length) / sentence.length),
      ),
    },
    {
      role: "user",
      content: "The build fails on main. Find out why and fix it, then run the tests.",
    },
  ];
  const requests: Array<Record<string, unknown>> = [];
  for (let turn = 1; turn <= turns; turn++) {
    requests.push({ model: "gpt-4o", messages: messages.slice(), tools });
    const id = `call_${turn}`;
    const name = TOOL_NAMES[turn % tools.length];
    messages.push({
      role: "assistant",
      content: `Turn ${turn}: I will use ${name} next.`,
      tool_calls: [{
        id,
        type: "function",
        function: { name, arguments: JSON.stringify({ path: `src/file_${turn}.ts` }) },
      }],
    });
    messages.push({
      role: "tool",
      tool_call_id: id,
      content: fileText(turn, options.resultChars ?? 1_500),
    });
  }
  return requests;
}

/** The chat requests of a long agent run of `turns` turns with small messages. */
export function longRun(turns: number): Array<Record<string, unknown>> {
  const messages: Array<Record<string, unknown>> = [{
    role: "system",
    content: "You are a tireless agent.",
  }];
  const out: Array<Record<string, unknown>> = [];
  for (let t = 1; t <= turns; t++) {
    messages.push({ role: "user", content: `Step ${t}: keep going.` });
    out.push({ model: "gpt-4o", messages: messages.slice() });
    messages.push({ role: "assistant", content: `Done with step ${t}.` });
  }
  return out;
}
