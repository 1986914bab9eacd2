import { canonicalJson, canonicalMessage } from "./canonical.ts";
import type { Json, WireFormat } from "./format.ts";
import { shownMessages } from "./shown.ts";
import { conversationCuts, type Cut, cutText, scanJson, toolCuts, wholeText } from "./blocks.ts";
import { chatRules, functionToolSegments, openaiMediaSegment, roleComponent } from "./chat.ts";
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

/** Parses an OpenAI Responses request into attributed segments. */
export function parseResponsesRequest(body: unknown, encoding: string): ParsedRequest {
  const rules = chatRules(encoding);
  const notes: string[] = [];
  const segments: Segment[] = [];
  if (!isObject(body)) return notAnObject();
  const overhead = (tokens: number): Segment => ({ component: "formatting overhead", tokens });
  if (typeof body.instructions === "string" && body.instructions !== "") {
    segments.push(overhead(rules.perMessage), {
      component: "system prompt",
      text: body.instructions,
    });
  }
  const input = typeof body.input === "string"
    ? [{ role: "user", content: body.input }]
    : body.input;
  const toolNames = new Map<string, string>();
  const extraTools: Record<string, unknown>[] = [];
  for (const [index, item] of (Array.isArray(input) ? input : []).entries()) {
    if (!isObject(item)) continue;
    const from = segments.length;
    const type = str(item.type) || "message";
    if (type === "message" || (item.role !== undefined && item.type === undefined)) {
      const role = str(item.role);
      let component = roleComponent(role);
      if (component === null) {
        notes.push(`unknown role "${role}" counted as user input`);
        component = "user input";
      }
      segments.push(overhead(rules.perMessage), { component: "formatting overhead", text: role });
      const content = typeof item.content === "string"
        ? [{ type: "input_text", text: item.content }]
        : item.content;
      for (const part of Array.isArray(content) ? content : []) {
        if (!isObject(part)) continue;
        if (typeof part.text === "string") segments.push({ component, text: part.text });
        else if (typeof part.refusal === "string") segments.push({ component, text: part.refusal });
        else segments.push(openaiMediaSegment(part, notes));
      }
    } else if (type === "function_call" || type === "custom_tool_call") {
      const name = str(item.name) || "unknown tool";
      toolNames.set(str(item.call_id), name);
      segments.push({ component: "tool calls", label: name, text: name });
      segments.push({
        component: "tool calls",
        label: name,
        text: jsonText(item.arguments ?? item.input ?? ""),
      });
    } else if (type === "function_call_output" || type === "custom_tool_call_output") {
      const name = toolNames.get(str(item.call_id)) ?? "unknown tool";
      const output = item.output;
      if (Array.isArray(output)) {
        for (const part of output) {
          if (!isObject(part)) continue;
          if (typeof part.text === "string") {
            segments.push({ component: "tool results", label: name, text: part.text });
          } else segments.push(openaiMediaSegment(part, notes));
        }
      } else {
        segments.push({ component: "tool results", label: name, text: jsonText(output ?? "") });
      }
    } else if (type === "reasoning") {
      const summary = Array.isArray(item.summary) ? item.summary : [];
      for (const part of summary) {
        if (isObject(part)) {
          segments.push({ component: "history (assistant)", text: str(part.text) });
        }
      }
      if (typeof item.encrypted_content === "string") {
        notes.push("encrypted reasoning was counted by its reported share only");
      }
    } else if (type === "additional_tools") {
      // Codex sends its tool schemas as an input item (namespaces inside), not in `tools`.
      extraTools.push(...flatTools(item.tools));
    } else if (type === "agent_message") {
      // Codex's agents write to each other (a subagent's task, its final answer): input to
      // the agent reading it, as a user's message is.
      segments.push(overhead(rules.perMessage));
      for (const part of Array.isArray(item.content) ? item.content : []) {
        if (!isObject(part)) continue;
        const text = typeof part.text === "string" ? part.text : part.encrypted_content;
        if (typeof text === "string") segments.push({ component: "user input", text });
      }
    } else if (type === "item_reference") {
      notes.push("an item reference was not expanded; its tokens fall under formatting overhead");
    } else if (type.endsWith("_output") || type.endsWith("_result")) {
      segments.push({
        component: "tool results",
        label: type.replace(/_output$|_result$/, ""),
        text: jsonText(item),
      });
    } else if (type.endsWith("_call")) {
      segments.push({
        component: "tool calls",
        label: type.replace(/_call$/, ""),
        text: jsonText(item),
      });
    } else {
      notes.push(`unknown input item "${type}" counted as history`);
      segments.push({ component: "history (assistant)", text: jsonText(item) });
    }
    tagMessage(segments, from, index);
  }
  const tools = [...flatTools(body.tools), ...extraTools];
  for (const tool of tools) {
    segments.push(
      ...functionToolSegments(
        tool.type === "function" ? { type: "function", function: tool } : tool,
        rules,
      ),
    );
  }
  if (tools.length > 0) segments.push(overhead(rules.funcEnd));
  const previous = typeof body.previous_response_id === "string" ? body.previous_response_id : null;
  return parsedRequest(body, segments, notes, previous);
}

/** Tool schemas, with those grouped in a `namespace` entry taken out of it. */
function flatTools(value: unknown): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const pending = Array.isArray(value) ? [...value].reverse() : [];
  while (pending.length > 0) {
    const tool = pending.pop();
    if (!isObject(tool)) continue;
    if (tool.type === "namespace" && Array.isArray(tool.tools)) {
      pending.push(...[...tool.tools].reverse());
    } else out.push(tool);
  }
  return out;
}

function readResponse(response: Record<string, unknown>, into: ParsedResponse): void {
  const summary = into.summary;
  summary.id = str(response.id) || summary.id;
  into.model = str(response.model) || into.model;
  const output = Array.isArray(response.output) ? response.output : [];
  if (output.length > 0) {
    summary.text = "";
    summary.thinking = "";
    summary.tool_calls = [];
  }
  for (const item of output) {
    if (!isObject(item)) continue;
    if (item.type === "message") {
      for (const part of Array.isArray(item.content) ? item.content : []) {
        if (isObject(part)) summary.text += str(part.text) + str(part.refusal);
      }
    } else if (item.type === "reasoning") {
      for (const part of Array.isArray(item.summary) ? item.summary : []) {
        if (isObject(part)) summary.thinking += str(part.text);
      }
    } else if (item.type === "function_call" || item.type === "custom_tool_call") {
      summary.tool_calls.push({
        id: str(item.call_id) || null,
        name: str(item.name),
        arguments: str(item.arguments ?? item.input),
      });
    } else if (typeof item.type === "string" && item.type.endsWith("_call")) {
      summary.tool_calls.push({
        id: str(item.id) || null,
        name: item.type.replace(/_call$/, ""),
        arguments: "",
      });
    }
  }
  const status = str(response.status);
  if (status !== "" && status !== "in_progress" && status !== "queued") {
    const incomplete = isObject(response.incomplete_details)
      ? str(response.incomplete_details.reason)
      : "";
    summary.stop_reason = incomplete || status;
    summary.complete = true;
  }
  if (isObject(response.usage)) into.usage = openaiUsage(response.usage);
}

/** Parses a Responses API response, JSON or SSE; a stream cut short yields what arrived. */
export function parseResponsesResponse(body: Uint8Array, sse: boolean): ParsedResponse {
  const parsed: ParsedResponse = { summary: emptySummary(), usage: null };
  if (!sse) {
    readResponse(JSON.parse(new TextDecoder().decode(body)), parsed);
    return parsed;
  }
  const calls = new Map<string, { id: string | null; name: string; arguments: string }>();
  let text = "";
  for (const { data } of sseJson(body)) {
    const type = str(data.type);
    if (isObject(data.response)) {
      readResponse(data.response, parsed);
      if (
        type === "response.completed" || type === "response.incomplete" ||
        type === "response.failed"
      ) continue;
    }
    if (type === "response.output_text.delta") text += str(data.delta);
    if (type === "response.reasoning_summary_text.delta") {
      parsed.summary.thinking += str(data.delta);
    }
    if (
      type === "response.output_item.added" && isObject(data.item) &&
      data.item.type === "function_call"
    ) {
      calls.set(str(data.item.id), {
        id: str(data.item.call_id) || null,
        name: str(data.item.name),
        arguments: "",
      });
    }
    if (type === "response.function_call_arguments.delta") {
      const call = calls.get(str(data.item_id));
      if (call) call.arguments += str(data.delta);
    }
  }
  if (!parsed.summary.complete) {
    parsed.summary.text = text;
    parsed.summary.tool_calls = [...calls.values()];
  }
  return parsed;
}

/** A Responses input item in canonical form (messages read like chat messages). */
function canonicalItem(item: Json): string {
  if (item.role !== undefined && (item.type === undefined || item.type === "message")) {
    return canonicalMessage(item);
  }
  if (item.type === "reasoning") return "";
  return canonicalJson(item);
}

/** The input as items: a plain string is one user message. */
function inputItems(body: Json): unknown {
  return typeof body.input === "string" ? [{ role: "user", content: body.input }] : body.input;
}

/** OpenAI Responses (`/v1/responses`). */
export const responsesFormat: WireFormat = {
  api: "responses",
  countsExactly: true,
  parseRequest: parseResponsesRequest,
  parseResponse: parseResponsesResponse,
  chainParts(body) {
    const input = inputItems(body);
    return {
      context: { instructions: body.instructions, tools: body.tools },
      contextShape: (context) => context,
      items: (Array.isArray(input) ? input : []).filter(isObject).filter((i) =>
        i.type !== "reasoning"
      ),
      canonicalItem,
      system: str(body.instructions),
      tools: body.tools ?? body.functions,
      skip: 0,
    };
  },
  shownMessages: (body) =>
    shownMessages(body.system ?? body.instructions, body.messages ?? inputItems(body)),
  splitBlocks(text, body) {
    const root = scanJson(text);
    if (!root?.members) return wholeText(text);
    const names = new Map<string, string>();
    for (const item of Array.isArray(body.input) ? body.input.filter(isObject) : []) {
      if (item.type === "function_call") names.set(str(item.call_id), str(item.name));
    }
    const cuts: Cut[] = [];
    const instructions = root.members.get("instructions");
    if (instructions) cuts.push({ ...instructions, kind: "system prompt", label: null });
    const input = root.members.get("input");
    if (input && typeof body.input === "string") {
      cuts.push({ ...input, kind: "user input", label: "user" });
    }
    cuts.push(...conversationCuts(input, body.input, {
      classify(item, part) {
        const type = str(item.type);
        if (type === "function_call" || type === "custom_tool_call") {
          return { kind: "tool calls", label: str(item.name) };
        }
        if (type.endsWith("_output")) {
          return { kind: "tool results", label: names.get(str(item.call_id)) ?? null };
        }
        if (type === "reasoning") return { kind: "history (assistant)", label: type };
        const role = str(item.role);
        const partType = str(part?.type);
        if (partType && !partType.includes("text")) {
          return { kind: "images & files", label: partType };
        }
        return { kind: roleComponent(role) ?? "user input", label: role };
      },
    }));
    cuts.push(...toolCuts(root.members.get("tools"), body.tools));
    return cutText(text, cuts);
  },
};
