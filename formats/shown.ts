import type { Json, ShownMessage } from "./format.ts";

function partText(part: unknown): string {
  if (typeof part === "string") return part;
  if (typeof part !== "object" || part === null) return String(part);
  const p = part as Json;
  if (typeof p.text === "string") return p.text;
  if (typeof p.thinking === "string") return `[thinking] ${p.thinking}`;
  if (p.type === "tool_use" || p.type === "function_call") {
    return `→ ${p.name}(${JSON.stringify(p.input ?? p.arguments)})`;
  }
  if (p.type === "tool_result" || p.type === "function_call_output") {
    const content = p.content ?? p.output;
    return `← ${typeof content === "string" ? content : JSON.stringify(content)}`;
  }
  return JSON.stringify(part);
}

/**
 * A system prompt (a string or blocks, absent when the format keeps it among the items)
 * and items (messages, or input items) as text to show, one entry each.
 */
export function shownMessages(system: unknown, items: unknown): ShownMessage[] {
  const out: ShownMessage[] = [];
  if (system) {
    out.push({ role: "system", parts: (Array.isArray(system) ? system : [system]).map(partText) });
  }
  for (const m of (Array.isArray(items) ? items : []) as Json[]) {
    const content = m.content;
    const parts = typeof content === "string"
      ? [content]
      : Array.isArray(content)
      ? content.map(partText)
      : [];
    for (const call of (Array.isArray(m.tool_calls) ? m.tool_calls : []) as Json[]) {
      const fn = (call.function ?? {}) as Json;
      parts.push(`→ ${fn.name}(${fn.arguments})`);
    }
    if (m.type && !m.role) parts.push(partText(m));
    out.push({ role: String(m.role ?? m.type ?? "item"), parts });
  }
  return out;
}
