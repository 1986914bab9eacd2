import { hash64 } from "../core/hash.ts";
import type { Json } from "./format.ts";
import { isObject, str } from "./segment.ts";

/** Keys that change between turns without changing what a message says. */
const VOLATILE = new Set([
  "cache_control",
  "citations",
  "id",
  "status",
  "signature",
  "annotations",
  "logprobs",
]);

/** JSON with sorted keys and volatile keys dropped, so equal content gives equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).filter((k) =>
      !VOLATILE.has(k) && value[k] !== undefined && value[k] !== null
    ).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`;
  }
  if (typeof value === "string" && value.length > 4096) {
    return JSON.stringify(`${value.length}:${hash64(value)}`);
  }
  return JSON.stringify(value) ?? "null";
}

/** A message's content as canonical blocks: a string and a single text block read alike; thinking is left out. */
export function blocks(content: unknown): unknown[] {
  if (typeof content === "string") return content === "" ? [] : [{ type: "text", text: content }];
  if (!Array.isArray(content)) return [];
  return content
    .map((b) => (typeof b === "string" ? { type: "text", text: b } : b))
    .filter((b) =>
      isObject(b) && !["thinking", "redacted_thinking", "reasoning"].includes(str(b.type))
    )
    .map((b) => {
      const block = b as Json;
      const type = str(block.type);
      // Input and output text parts of the Responses API, and text parts of chat, all read as text.
      if (type === "input_text" || type === "output_text") {
        return { type: "text", text: block.text };
      }
      if (type === "tool_result" || type === "function_call_output") {
        return { ...block, content: blocks(block.content ?? block.output) };
      }
      return block;
    });
}

/** A chat or Anthropic message in canonical form. */
export function canonicalMessage(message: Json): string {
  const calls = Array.isArray(message.tool_calls)
    ? message.tool_calls.map((c) => isObject(c) ? { id: c.id, fn: c.function ?? c.custom } : c)
    : undefined;
  return canonicalJson({
    role: message.role,
    name: message.name,
    tool_call_id: message.tool_call_id,
    blocks: blocks(message.content),
    tool_calls: calls && calls.length > 0 ? calls : undefined,
  });
}

/** The text of a content value (a string or text blocks), blocks joined by newlines. */
export function textOf(value: unknown): string {
  return blocks(value).map((b) => isObject(b) ? str(b.text) : "").join("\n");
}
