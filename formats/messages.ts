import { blocks, canonicalMessage, textOf } from "./canonical.ts";
import type { WireFormat } from "./format.ts";
import { shownMessages } from "./shown.ts";
import { conversationCuts, type Cut, cutText, scanJson, toolCuts, wholeText } from "./blocks.ts";
import {
  anthropicImageTokens,
  base64Bytes,
  documentTokens,
  imageSizeFromBase64,
} from "./images.ts";
import type { ComponentName } from "../core/record.ts";
import {
  isObject,
  jsonText,
  notAnObject,
  type ParsedRequest,
  parsedRequest,
  type Segment,
  str,
  tagMessage,
} from "./segment.ts";
import { sseJson } from "./sse.ts";
import { anthropicUsage, emptySummary, type ParsedResponse, tokens } from "./usage.ts";

function mediaSegment(block: Record<string, unknown>, notes: string[]): Segment {
  const source = isObject(block.source) ? block.source : {};
  if (block.type === "image") {
    const size = source.type === "base64" ? imageSizeFromBase64(str(source.data)) : null;
    const cost = anthropicImageTokens(size);
    if (cost.estimated) notes.push("an image of unknown size was estimated at 1,600 tokens");
    return { component: "images & files", label: "image", tokens: cost.tokens };
  }
  if (source.type === "text") {
    return { component: "images & files", label: "document", text: str(source.data) };
  }
  if (source.type === "content" && Array.isArray(source.content)) {
    return {
      component: "images & files",
      label: "document",
      text: source.content.map((c) => isObject(c) ? str(c.text) : "").join(""),
    };
  }
  notes.push(`a ${str(block.type) || "file"} block was estimated from its size`);
  return {
    component: "images & files",
    label: str(block.type) || "document",
    tokens: documentTokens(base64Bytes(str(source.data))).tokens,
  };
}

/** Segments of one content block; `component` is where the role's text goes. */
function blockSegments(
  block: unknown,
  component: ComponentName,
  toolNames: Map<string, string>,
  notes: string[],
): Segment[] {
  if (typeof block === "string") return [{ component, text: block }];
  if (!isObject(block)) return [];
  const type = str(block.type);
  switch (type) {
    case "text":
      return [{ component, text: str(block.text) }];
    case "thinking":
      return [{ component: "history (assistant)", text: str(block.thinking) }];
    case "redacted_thinking":
      notes.push("redacted thinking was counted by its encoded size");
      return [{ component: "history (assistant)", text: str(block.data) }];
    case "image":
    case "document":
    case "file":
      return [mediaSegment(block, notes)];
    case "tool_use":
    case "server_tool_use":
    case "mcp_tool_use": {
      const name = str(block.name) || "unknown tool";
      toolNames.set(str(block.id), name);
      return [
        { component: "tool calls", label: name, text: name },
        { component: "tool calls", label: name, text: jsonText(block.input ?? {}) },
      ];
    }
    case "tool_result":
    case "mcp_tool_result": {
      const name = toolNames.get(str(block.tool_use_id)) ?? "unknown tool";
      const content = typeof block.content === "string"
        ? [{ type: "text", text: block.content }]
        : block.content;
      return (Array.isArray(content) ? content : []).flatMap((part) =>
        blockSegments(part, "tool results", toolNames, notes).map((s) =>
          s.component === "tool results" ? { ...s, label: name } : s
        )
      );
    }
    default:
      if (type.endsWith("_tool_result")) {
        const name = toolNames.get(str(block.tool_use_id)) ?? type.replace(/_tool_result$/, "");
        return [{ component: "tool results", label: name, text: jsonText(block.content ?? block) }];
      }
      notes.push(`unknown block "${type}" counted as ${component}`);
      return [{ component, text: jsonText(block) }];
  }
}

/** Parses an Anthropic messages request into attributed segments. */
export function parseMessagesRequest(body: unknown): ParsedRequest {
  const notes: string[] = [];
  const segments: Segment[] = [];
  if (!isObject(body)) return notAnObject();
  const toolNames = new Map<string, string>();
  const system = typeof body.system === "string"
    ? [body.system]
    : Array.isArray(body.system)
    ? body.system
    : [];
  for (const block of system) {
    segments.push(...blockSegments(block, "system prompt", toolNames, notes));
  }
  for (const [index, message] of (Array.isArray(body.messages) ? body.messages : []).entries()) {
    if (!isObject(message)) continue;
    const from = segments.length;
    const role = str(message.role);
    const component: ComponentName = role === "assistant"
      ? "history (assistant)"
      : role === "user"
      ? "user input"
      : role === "system"
      ? "system prompt"
      : "user input";
    if (role !== "user" && role !== "assistant") {
      notes.push(`role "${role}" inside messages counted as ${component}`);
    }
    const content = typeof message.content === "string" ? [message.content] : message.content;
    for (const block of Array.isArray(content) ? content : []) {
      segments.push(...blockSegments(block, component, toolNames, notes));
    }
    tagMessage(segments, from, index);
  }
  for (const tool of Array.isArray(body.tools) ? body.tools : []) {
    if (!isObject(tool)) continue;
    segments.push({
      component: "tool schemas",
      label: str(tool.name) || str(tool.type) || "tool",
      text: jsonText(tool),
    });
  }
  return parsedRequest(body, segments, notes);
}

/** Parses an Anthropic messages response, JSON or SSE; a stream cut short yields what arrived. */
export function parseMessagesResponse(body: Uint8Array, sse: boolean): ParsedResponse {
  const summary = emptySummary();
  if (!sse) {
    const json = JSON.parse(new TextDecoder().decode(body));
    summary.id = str(json.id) || null;
    for (const block of Array.isArray(json.content) ? json.content : []) {
      if (!isObject(block)) continue;
      if (block.type === "text") summary.text += str(block.text);
      else if (block.type === "thinking") summary.thinking += str(block.thinking);
      else if (typeof block.type === "string" && block.type.endsWith("tool_use")) {
        summary.tool_calls.push({
          id: str(block.id) || null,
          name: str(block.name),
          arguments: jsonText(block.input ?? {}),
        });
      }
    }
    summary.stop_reason = str(json.stop_reason) || null;
    summary.complete = true;
    return { summary, usage: anthropicUsage(json.usage) };
  }
  let rawUsage: Record<string, unknown> = {};
  let sawUsage = false;
  const blocks = new Map<number, { type: string; id: string | null; name: string; text: string }>();
  for (const { data } of sseJson(body)) {
    const type = str(data.type);
    if (type === "message_start" && isObject(data.message)) {
      summary.id = str(data.message.id) || null;
      if (isObject(data.message.usage)) {
        rawUsage = { ...data.message.usage };
        sawUsage = true;
      }
    } else if (type === "content_block_start" && isObject(data.content_block)) {
      const block = data.content_block;
      blocks.set(tokens(data.index), {
        type: str(block.type),
        id: str(block.id) || null,
        name: str(block.name),
        text: str(block.text) + str(block.thinking),
      });
    } else if (type === "content_block_delta" && isObject(data.delta)) {
      const block = blocks.get(tokens(data.index));
      if (block) {
        block.text += str(data.delta.text) + str(data.delta.thinking) +
          str(data.delta.partial_json);
      }
    } else if (type === "message_delta") {
      if (isObject(data.delta)) {
        summary.stop_reason = str(data.delta.stop_reason) || summary.stop_reason;
      }
      if (isObject(data.usage)) {
        // message_delta carries cumulative counts; fields it leaves out keep message_start's.
        for (const [key, value] of Object.entries(data.usage)) {
          if (value !== null) rawUsage[key] = value;
        }
        sawUsage = true;
      }
    } else if (type === "message_stop") {
      summary.complete = true;
    }
  }
  for (const block of blocks.values()) {
    if (block.type === "text") summary.text += block.text;
    else if (block.type === "thinking") summary.thinking += block.text;
    else if (block.type.endsWith("tool_use")) {
      summary.tool_calls.push({ id: block.id, name: block.name, arguments: block.text });
    }
  }
  return { summary, usage: sawUsage ? anthropicUsage(rawUsage) : null };
}

/** Anthropic messages (`/v1/messages`). */
export const messagesFormat: WireFormat = {
  api: "messages",
  countsExactly: false,
  parseRequest: (body) => parseMessagesRequest(body),
  parseResponse: parseMessagesResponse,
  chainParts(body) {
    return {
      context: { system: body.system, tools: body.tools },
      contextShape: (context) => ({ system: blocks(context.system), tools: context.tools }),
      items: (Array.isArray(body.messages) ? body.messages : []).filter(isObject),
      canonicalItem: canonicalMessage,
      system: textOf(body.system),
      tools: body.tools ?? body.functions,
      skip: 0,
    };
  },
  shownMessages: (body) => shownMessages(body.system ?? body.instructions, body.messages),
  splitBlocks(text, body) {
    const root = scanJson(text);
    if (!root?.members) return wholeText(text);
    const names = new Map<string, string>();
    for (const m of Array.isArray(body.messages) ? body.messages.filter(isObject) : []) {
      for (const b of Array.isArray(m.content) ? m.content.filter(isObject) : []) {
        if (str(b.type).endsWith("tool_use")) names.set(str(b.id), str(b.name));
      }
    }
    const system = root.members.get("system");
    const systemCuts: Cut[] = system?.items
      ? system.items.map((s) => ({ ...s, kind: "system prompt" as const, label: null }))
      : system
      ? [{ ...system, kind: "system prompt", label: null }]
      : [];
    const messages = conversationCuts(root.members.get("messages"), body.messages, {
      classify(message, part) {
        const role = str(message.role);
        const type = str(part?.type);
        if (type.endsWith("tool_use")) return { kind: "tool calls", label: str(part?.name) };
        if (type.endsWith("tool_result")) {
          return { kind: "tool results", label: names.get(str(part?.tool_use_id)) ?? null };
        }
        if (type === "image" || type === "document") return { kind: "images & files", label: type };
        return { kind: role === "assistant" ? "history (assistant)" : "user input", label: role };
      },
    });
    return cutText(text, [
      ...systemCuts,
      ...messages,
      ...toolCuts(root.members.get("tools"), body.tools),
    ]);
  },
};
