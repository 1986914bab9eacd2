import { canonicalMessage, textOf } from "./canonical.ts";
import type { Json, WireFormat } from "./format.ts";
import { shownMessages } from "./shown.ts";
import { conversationCuts, cutText, scanJson, toolCuts, wholeText } from "./blocks.ts";
import {
  base64Bytes,
  documentTokens,
  type ImageSize,
  imageSizeFromBase64,
  openaiImageTokens,
  parseDataUrl,
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
import { emptySummary, openaiUsage, type ParsedResponse } from "./usage.ts";

/** Per-message and per-tool token overheads from OpenAI's token-counting guide. */
export interface ChatRules {
  perMessage: number;
  perName: number;
  replyPriming: number;
  funcInit: number;
  propInit: number;
  propKey: number;
  enumInit: number;
  enumItem: number;
  funcEnd: number;
}

/** The guide's rules: o200k models start each function at 7 tokens, cl100k models at 10. */
export function chatRules(encoding: string): ChatRules {
  return {
    perMessage: 3,
    perName: 1,
    replyPriming: 3,
    funcInit: encoding === "cl100k_base" ? 10 : 7,
    propInit: 3,
    propKey: 3,
    enumInit: -3,
    enumItem: 3,
    funcEnd: 12,
  };
}

/** The component a message role's text belongs to. */
export function roleComponent(role: string): ComponentName | null {
  switch (role) {
    case "system":
    case "developer":
      return "system prompt";
    case "user":
      return "user input";
    case "assistant":
    case "model":
      return "history (assistant)";
    case "tool":
    case "function":
      return "tool results";
    default:
      return null;
  }
}

function trimPeriod(text: string): string {
  return text.endsWith(".") ? text.slice(0, -1) : text;
}

/**
 * A function definition's segments per the guide: `name:description`, then for each
 * property `key:type:description` and its enum values, with the fixed overheads folded
 * into the tool's own count. Non-function tools are counted as their JSON.
 */
export function functionToolSegments(tool: Record<string, unknown>, rules: ChatRules): Segment[] {
  const fn = isObject(tool.function) ? tool.function : tool;
  const name = str(fn.name) || str(tool.type) || "tool";
  if (tool.type !== undefined && tool.type !== "function") {
    return [{ component: "tool schemas", label: name, text: jsonText(tool) }];
  }
  const out: Segment[] = [
    { component: "tool schemas", label: name, tokens: rules.funcInit },
    { component: "tool schemas", label: name, text: `${name}:${trimPeriod(str(fn.description))}` },
  ];
  const params = isObject(fn.parameters) ? fn.parameters : {};
  const properties = isObject(params.properties) ? params.properties : {};
  const keys = Object.keys(properties);
  if (keys.length > 0) out.push({ component: "tool schemas", label: name, tokens: rules.propInit });
  for (const key of keys) {
    const prop = isObject(properties[key]) ? properties[key] as Record<string, unknown> : {};
    out.push({ component: "tool schemas", label: name, tokens: rules.propKey });
    if (Array.isArray(prop.enum)) {
      out.push({ component: "tool schemas", label: name, tokens: rules.enumInit });
      for (const item of prop.enum) {
        out.push({ component: "tool schemas", label: name, tokens: rules.enumItem });
        out.push({ component: "tool schemas", label: name, text: String(item) });
      }
    }
    const type = typeof prop.type === "string"
      ? prop.type
      : jsonText(prop.type ?? prop.anyOf ?? prop.items ?? "");
    out.push({
      component: "tool schemas",
      label: name,
      text: `${key}:${type}:${trimPeriod(str(prop.description))}`,
    });
    const nested = { ...prop };
    for (const k of ["type", "description", "enum"]) delete nested[k];
    if (Object.keys(nested).length > 0) {
      out.push({ component: "tool schemas", label: name, text: jsonText(nested) });
    }
  }
  return out;
}

/** Segments for an image or file content part in any OpenAI format. */
export function openaiMediaSegment(part: Record<string, unknown>, notes: string[]): Segment {
  const image = isObject(part.image_url) ? part.image_url : null;
  const url = image ? str(image.url) : str(part.image_url);
  if (image !== null || part.type === "input_image" || part.type === "image_url") {
    const detail = str(image?.detail ?? part.detail) || "auto";
    const data = parseDataUrl(url);
    const size: ImageSize | null = data ? imageSizeFromBase64(data.base64) : null;
    const cost = openaiImageTokens(size, detail);
    if (cost.estimated) notes.push("an image of unknown size was estimated at 1024×1024");
    return { component: "images & files", label: "image", tokens: cost.tokens };
  }
  const file = isObject(part.file) ? part.file : part;
  const payload = str(file.file_data) ||
    str(isObject(part.input_audio) ? part.input_audio.data : "");
  const bytes = base64Bytes(parseDataUrl(payload)?.base64 ?? payload);
  notes.push(`a ${str(part.type) || "file"} part was estimated from its size`);
  return {
    component: "images & files",
    label: str(part.type) || "file",
    tokens: documentTokens(bytes).tokens,
  };
}

/** Parses a chat completions request into attributed segments, following OpenAI's counting rules. */
export function parseChatRequest(body: unknown, encoding: string): ParsedRequest {
  const rules = chatRules(encoding);
  const notes: string[] = [];
  const segments: Segment[] = [];
  if (!isObject(body)) return notAnObject();
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const toolNames = new Map<string, string>();
  const overhead = (tokens: number): Segment => ({ component: "formatting overhead", tokens });

  for (const [index, message] of messages.entries()) {
    if (!isObject(message)) continue;
    const from = segments.length;
    const role = str(message.role);
    let component = roleComponent(role);
    if (component === null) {
      notes.push(`unknown role "${role}" counted as user input`);
      component = "user input";
    }
    segments.push(overhead(rules.perMessage), { component: "formatting overhead", text: role });
    if (typeof message.name === "string") {
      segments.push(
        { component: "formatting overhead", text: message.name },
        overhead(rules.perName),
      );
    }
    const label = component === "tool results"
      ? toolNames.get(str(message.tool_call_id)) ?? (str(message.name) || "unknown tool")
      : undefined;
    const content = message.content;
    if (typeof content === "string") {
      segments.push({ component, label, text: content });
    } else if (Array.isArray(content)) {
      for (const part of content) {
        if (!isObject(part)) continue;
        if (typeof part.text === "string") segments.push({ component, label, text: part.text });
        else if (typeof part.refusal === "string") {
          segments.push({ component, label, text: part.refusal });
        } else segments.push(openaiMediaSegment(part, notes));
      }
    }
    if (typeof message.reasoning_content === "string") {
      segments.push({ component: "history (assistant)", text: message.reasoning_content });
    }
    const calls: unknown[] = Array.isArray(message.tool_calls) ? [...message.tool_calls] : [];
    if (isObject(message.function_call)) calls.push({ function: message.function_call });
    for (const call of calls) {
      if (!isObject(call)) continue;
      const fn = isObject(call.function) ? call.function : isObject(call.custom) ? call.custom : {};
      const name = str(fn.name) || "unknown tool";
      if (typeof call.id === "string") toolNames.set(call.id, name);
      segments.push({ component: "tool calls", label: name, text: name });
      segments.push({
        component: "tool calls",
        label: name,
        text: jsonText(fn.arguments ?? fn.input ?? ""),
      });
    }
    tagMessage(segments, from, index);
  }
  if (messages.length > 0) segments.push(overhead(rules.replyPriming));

  const tools = [
    ...(Array.isArray(body.tools) ? body.tools : []),
    ...(Array.isArray(body.functions)
      ? body.functions.map((f) => ({ type: "function", function: f }))
      : []),
  ].filter(isObject);
  for (const tool of tools) segments.push(...functionToolSegments(tool, rules));
  if (tools.length > 0) segments.push(overhead(rules.funcEnd));

  return parsedRequest(body, segments, notes);
}

/** Parses a chat completions response, JSON or SSE; a stream cut short yields what arrived. */
export function parseChatResponse(body: Uint8Array, sse: boolean): ParsedResponse {
  const summary = emptySummary();
  let usage = null;
  if (!sse) {
    const json = JSON.parse(new TextDecoder().decode(body));
    const choice = Array.isArray(json.choices) ? json.choices[0] : undefined;
    const message = isObject(choice?.message) ? choice.message : {};
    summary.id = str(json.id) || null;
    summary.text = str(message.content) || str(message.refusal);
    summary.thinking = str(message.reasoning_content);
    for (const call of Array.isArray(message.tool_calls) ? message.tool_calls : []) {
      const fn = isObject(call?.function) ? call.function : {};
      summary.tool_calls.push({
        id: str(call?.id) || null,
        name: str(fn.name),
        arguments: str(fn.arguments),
      });
    }
    summary.stop_reason = str(choice?.finish_reason) || null;
    summary.complete = true;
    return { summary, usage: openaiUsage(json.usage), model: str(json.model) || null };
  }
  const calls = new Map<number, { id: string | null; name: string; arguments: string }>();
  let model: string | null = null;
  for (const { data } of sseJson(body)) {
    summary.id ??= str(data.id) || null;
    model ??= str(data.model) || null;
    if (isObject(data.usage)) usage = openaiUsage(data.usage);
    const choice = Array.isArray(data.choices) ? data.choices[0] : undefined;
    if (!isObject(choice)) continue;
    const delta = isObject(choice.delta) ? choice.delta : {};
    summary.text += str(delta.content) + str(delta.refusal);
    summary.thinking += str(delta.reasoning_content);
    for (const part of Array.isArray(delta.tool_calls) ? delta.tool_calls : []) {
      if (!isObject(part)) continue;
      const index = typeof part.index === "number" ? part.index : calls.size;
      const fn = isObject(part.function) ? part.function : {};
      const call = calls.get(index) ?? { id: null, name: "", arguments: "" };
      call.id ??= str(part.id) || null;
      call.name += str(fn.name);
      call.arguments += str(fn.arguments);
      calls.set(index, call);
    }
    if (typeof choice.finish_reason === "string") {
      summary.stop_reason = choice.finish_reason;
      summary.complete = true;
    }
  }
  summary.tool_calls = [...calls.values()];
  return { summary, usage, model };
}

/** Leading system and developer messages: the chat API's context. */
function leadingSystem(items: readonly Json[]): number {
  let n = 0;
  while (n < items.length && ["system", "developer"].includes(str(items[n].role))) n++;
  return n;
}

/** OpenAI chat completions (`/v1/chat/completions`). */
export const chatFormat: WireFormat = {
  api: "chat.completions",
  countsExactly: true,
  parseRequest: parseChatRequest,
  parseResponse: parseChatResponse,
  chainParts(body) {
    const messages = (Array.isArray(body.messages) ? body.messages : []).filter(isObject);
    const skip = leadingSystem(messages);
    return {
      context: { tools: body.tools ?? body.functions },
      contextShape: (context) => context,
      items: messages,
      canonicalItem: canonicalMessage,
      system: messages.slice(0, skip).map((m) => textOf(m.content)).join("\n"),
      tools: body.tools ?? body.functions,
      skip,
    };
  },
  shownMessages: (body) => shownMessages(body.system ?? body.instructions, body.messages),
  splitBlocks(text, body) {
    const root = scanJson(text);
    if (!root?.members) return wholeText(text);
    const names = new Map<string, string>();
    for (const m of Array.isArray(body.messages) ? body.messages.filter(isObject) : []) {
      for (const c of Array.isArray(m.tool_calls) ? m.tool_calls.filter(isObject) : []) {
        if (isObject(c.function)) names.set(str(c.id), str(c.function.name));
      }
    }
    const messages = conversationCuts(root.members.get("messages"), body.messages, {
      alsoCut: ["tool_calls"],
      classify(message, part) {
        const role = str(message.role);
        if (role === "tool") {
          return { kind: "tool results", label: names.get(str(message.tool_call_id)) ?? null };
        }
        const calls = Array.isArray(message.tool_calls) ? message.tool_calls.filter(isObject) : [];
        if (
          part?.type === "tool_calls" || (part === null && calls.length > 0 && !message.content)
        ) {
          return {
            kind: "tool calls",
            label: calls.map((c) => str(isObject(c.function) ? c.function.name : "")).join(", "),
          };
        }
        if (part && part.type !== "text") return { kind: "images & files", label: str(part.type) };
        return { kind: roleComponent(role) ?? "user input", label: role };
      },
    });
    return cutText(text, [
      ...messages,
      ...toolCuts(
        root.members.get("tools") ?? root.members.get("functions"),
        body.tools ?? body.functions,
      ),
    ]);
  },
};
