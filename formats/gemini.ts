import { type Cut, cutText, scanJson, wholeText } from "./blocks.ts";
import { canonicalJson } from "./canonical.ts";
import type { Json, ShownMessage, WireFormat } from "./format.ts";
import { base64Bytes, geminiMediaTokens, imageSizeFromBase64 } from "./images.ts";
import type { ComponentName } from "../core/record.ts";
import {
  isObject,
  jsonText,
  notAnObject,
  type ParsedRequest,
  type Segment,
  str,
  tagMessage,
} from "./segment.ts";
import { sseJson } from "./sse.ts";
import { emptySummary, geminiUsage, type ParsedResponse } from "./usage.ts";
import type { Usage } from "../core/record.ts";

/**
 * The Gemini API's `generateContent` format, spoken by Google AI (`…/v1beta/models/M:…`)
 * and Vertex AI (`…/publishers/google/models/M:…`). The model and the stream flag are in the
 * path, not the body; `formats/path.ts` reads them.
 */

function array(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The function declarations of `tools`, flattened: one per tool, as chaining and the flame graph see them. */
function declarations(tools: unknown): Json[] {
  const out: Json[] = [];
  for (const tool of array(tools)) {
    if (!isObject(tool)) continue;
    for (const fn of array(tool.functionDeclarations ?? tool.function_declarations)) {
      if (isObject(fn)) out.push(fn);
    }
    // Built-in tools (googleSearch, codeExecution, urlContext…) are one key each.
    for (const key of Object.keys(tool)) {
      if (key !== "functionDeclarations" && key !== "function_declarations") {
        out.push({ name: key, [key]: tool[key] });
      }
    }
  }
  return out;
}

function mediaSegment(media: Json, notes: string[], fromUri: boolean): Segment {
  const mimeType = str(media.mimeType ?? media.mime_type);
  const data = fromUri ? "" : str(media.data);
  const size = mimeType.startsWith("image/") && data ? imageSizeFromBase64(data) : null;
  const cost = geminiMediaTokens(mimeType, size, fromUri ? null : base64Bytes(data));
  if (cost.estimated) {
    notes.push(
      `a ${mimeType || "file"} part ${fromUri ? "given by URI" : "of unknown size"} was estimated`,
    );
  }
  return {
    component: "images & files",
    label: mimeType.split("/")[0] || "file",
    tokens: cost.tokens,
  };
}

/** Segments of one part; `component` is where the role's text goes. */
function partSegments(part: unknown, component: ComponentName, notes: string[]): Segment[] {
  if (!isObject(part)) return [];
  if (typeof part.text === "string") {
    return [{
      component: part.thought === true ? "history (assistant)" : component,
      text: part.text,
    }];
  }
  const call = part.functionCall ?? part.function_call;
  if (isObject(call)) {
    const name = str(call.name) || "unknown tool";
    return [
      { component: "tool calls", label: name, text: name },
      { component: "tool calls", label: name, text: jsonText(call.args ?? {}) },
    ];
  }
  const result = part.functionResponse ?? part.function_response;
  if (isObject(result)) {
    const name = str(result.name) || "unknown tool";
    const segments: Segment[] = [
      { component: "tool results", label: name, text: jsonText(result.response ?? {}) },
    ];
    for (const inner of array(result.parts)) {
      segments.push(...partSegments(inner, "tool results", notes));
    }
    return segments;
  }
  const inline = part.inlineData ?? part.inline_data;
  if (isObject(inline)) return [mediaSegment(inline, notes, false)];
  const file = part.fileData ?? part.file_data;
  if (isObject(file)) return [mediaSegment(file, notes, true)];
  if (isObject(part.executableCode)) {
    return [{
      component: "tool calls",
      label: "codeExecution",
      text: str(part.executableCode.code),
    }];
  }
  if (isObject(part.codeExecutionResult)) {
    return [{
      component: "tool results",
      label: "codeExecution",
      text: str(part.codeExecutionResult.output),
    }];
  }
  const keys = Object.keys(part).filter((k) => k !== "thoughtSignature" && k !== "thought");
  if (keys.length === 0) return [];
  notes.push(`unknown part "${keys[0]}" counted as ${component}`);
  return [{ component, text: jsonText(part) }];
}

/** Parses a Gemini `generateContent` request into attributed segments. */
export function parseGeminiRequest(body: unknown): ParsedRequest {
  if (!isObject(body)) return notAnObject();
  const notes: string[] = [];
  const segments: Segment[] = [];
  const system = body.systemInstruction ?? body.system_instruction;
  const systemParts = typeof system === "string"
    ? [{ text: system }]
    : isObject(system)
    ? array(system.parts)
    : [];
  for (const part of systemParts) segments.push(...partSegments(part, "system prompt", notes));
  const contents = typeof body.contents === "string"
    ? [{ role: "user", parts: [{ text: body.contents }] }]
    : array(body.contents);
  for (const [index, content] of contents.entries()) {
    if (!isObject(content)) continue;
    const from = segments.length;
    const role = str(content.role) || "user";
    const component: ComponentName = role === "model" ? "history (assistant)" : "user input";
    if (role !== "user" && role !== "model" && role !== "function") {
      notes.push(`role "${role}" inside contents counted as ${component}`);
    }
    for (const part of array(content.parts)) segments.push(...partSegments(part, component, notes));
    tagMessage(segments, from, index);
  }
  for (const fn of declarations(body.tools)) {
    segments.push({ component: "tool schemas", label: str(fn.name) || "tool", text: jsonText(fn) });
  }
  const toolConfig = body.toolConfig ?? body.tool_config;
  if (isObject(toolConfig)) {
    segments.push({ component: "formatting overhead", text: jsonText(toolConfig) });
  }
  const cached = str(body.cachedContent ?? body.cached_content);
  return {
    model: typeof body.model === "string" ? body.model : null,
    stream: false,
    segments,
    notes,
    previousResponseId: null,
    cachedContent: cached || null,
  };
}

function readCandidate(data: Json, summary: ReturnType<typeof emptySummary>): void {
  const candidate = array(data.candidates)[0];
  if (!isObject(candidate)) return;
  const content = isObject(candidate.content) ? candidate.content : {};
  for (const part of array(content.parts)) {
    if (!isObject(part)) continue;
    if (typeof part.text === "string") {
      if (part.thought === true) summary.thinking += part.text;
      else summary.text += part.text;
    }
    const call = part.functionCall;
    if (isObject(call)) {
      summary.tool_calls.push({
        id: str(call.id) || null,
        name: str(call.name),
        arguments: jsonText(call.args ?? {}),
      });
    }
  }
  if (typeof candidate.finishReason === "string") {
    summary.stop_reason = candidate.finishReason;
    summary.complete = true;
  }
}

/** The JSON objects of a streamed response without `alt=sse`: one JSON array, maybe cut short. */
function streamedArray(text: string): Json[] {
  try {
    const all = JSON.parse(text);
    return array(all).filter(isObject);
  } catch {
    // Cut short: keep each complete element, found by bracket depth outside strings.
    const out: Json[] = [];
    let depth = 0;
    let start = -1;
    let inString = false;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (inString) {
        if (c === "\\") i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === "{") {
        if (depth++ === 0) start = i;
      } else if (c === "}" && --depth === 0 && start >= 0) {
        try {
          const item = JSON.parse(text.slice(start, i + 1));
          if (isObject(item)) out.push(item);
        } catch { /* skipped */ }
      }
    }
    return out;
  }
}

/**
 * Parses a Gemini response: one JSON object, an SSE stream (`alt=sse`), or a streamed JSON
 * array (`:streamGenerateContent` without `alt=sse`). Usage is the last `usageMetadata` seen.
 */
export function parseGeminiResponse(body: Uint8Array, sse: boolean): ParsedResponse {
  const summary = emptySummary();
  const text = new TextDecoder().decode(body);
  const trimmed = text.trimStart();
  const chunks: Json[] = sse
    ? sseJson(body).map((e) => e.data)
    : trimmed.startsWith("[")
    ? streamedArray(trimmed)
    : [JSON.parse(text)];
  let usage: Usage | null = null;
  let model: string | null = null;
  for (const chunk of chunks) {
    summary.id ??= str(chunk.responseId) || null;
    model ??= str(chunk.modelVersion) || null;
    if (isObject(chunk.usageMetadata)) usage = geminiUsage(chunk.usageMetadata);
    readCandidate(chunk, summary);
  }
  return { summary, usage, model };
}

function shownPart(part: unknown): string {
  if (!isObject(part)) return jsonText(part);
  if (typeof part.text === "string") return part.thought ? `[thinking] ${part.text}` : part.text;
  if (isObject(part.functionCall)) {
    return `→ ${str(part.functionCall.name)}(${jsonText(part.functionCall.args ?? {})})`;
  }
  if (isObject(part.functionResponse)) {
    return `← ${str(part.functionResponse.name)}: ${jsonText(part.functionResponse.response)}`;
  }
  return jsonText(part);
}

/** A content in canonical form: thought parts and their signatures are left out. */
function canonicalContent(content: Json): string {
  const parts = array(content.parts).filter((p) => isObject(p) && p.thought !== true).map((p) => {
    const { thoughtSignature: _, ...rest } = p as Json;
    return rest;
  });
  return canonicalJson({ role: str(content.role) || "user", parts });
}

function systemText(body: Json): string {
  const system = body.systemInstruction ?? body.system_instruction;
  if (typeof system === "string") return system;
  return array(isObject(system) ? system.parts : []).map((p) => isObject(p) ? str(p.text) : "")
    .join("\n");
}

/** The component one of Gemini's contents belongs to, by its parts and role. */
function contentKind(content: Json): { kind: ComponentName; label: string | null } {
  const parts = array(content.parts).filter(isObject);
  const call = parts.find((p) => isObject(p.functionCall));
  if (call) return { kind: "tool calls", label: str((call.functionCall as Json).name) || null };
  const answer = parts.find((p) => isObject(p.functionResponse));
  if (answer) {
    return { kind: "tool results", label: str((answer.functionResponse as Json).name) || null };
  }
  if (parts.length > 0 && parts.every((p) => isObject(p.inlineData) || isObject(p.fileData))) {
    return { kind: "images & files", label: null };
  }
  const role = str(content.role) || "user";
  return { kind: role === "model" ? "history (assistant)" : "user input", label: role };
}

/** Cuts of a Gemini request: its system instruction, each content, and each function declaration. */
function geminiCuts(text: string, body: Json): Cut[] | null {
  const root = scanJson(text, 5);
  if (!root?.members) return null;
  const cuts: Cut[] = [];
  const system = root.members.get("systemInstruction") ?? root.members.get("system_instruction");
  if (system) cuts.push({ ...system, kind: "system prompt", label: null });
  const contents = root.members.get("contents");
  if (contents?.items && Array.isArray(body.contents)) {
    contents.items.forEach((span, i) => {
      const content = body.contents as unknown[];
      if (isObject(content[i])) cuts.push({ ...span, ...contentKind(content[i] as Json) });
    });
  }
  const tools = root.members.get("tools");
  (tools?.items ?? []).forEach((toolSpan, i) => {
    const tool = array(body.tools)[i];
    const list = toolSpan.members?.get("functionDeclarations") ??
      toolSpan.members?.get("function_declarations");
    const fns = isObject(tool) ? array(tool.functionDeclarations ?? tool.function_declarations) : [];
    if (list?.items && fns.length === list.items.length) {
      list.items.forEach((span, j) => {
        const fn = fns[j];
        cuts.push({ ...span, kind: "tool schemas", label: isObject(fn) ? str(fn.name) || null : null });
      });
    } else {
      cuts.push({ ...toolSpan, kind: "tool schemas", label: null });
    }
  });
  return cuts;
}

/** Gemini `generateContent` and `streamGenerateContent` (Google AI and Vertex AI). */
export const geminiFormat: WireFormat = {
  api: "generateContent",
  countsExactly: false,
  parseRequest: (body) => parseGeminiRequest(body),
  parseResponse: parseGeminiResponse,
  chainParts(body) {
    const system = body.systemInstruction ?? body.system_instruction;
    return {
      context: { system, tools: body.tools, cachedContent: body.cachedContent },
      contextShape: (context) => ({
        system: isObject(context.system) ? array(context.system.parts) : context.system,
        tools: declarations(context.tools),
        cachedContent: context.cachedContent,
      }),
      items: array(body.contents).filter(isObject),
      canonicalItem: canonicalContent,
      system: systemText(body),
      tools: declarations(body.tools),
      skip: 0,
    };
  },
  splitBlocks(text, body) {
    const cuts = geminiCuts(text, body);
    return cuts === null ? wholeText(text) : cutText(text, cuts);
  },
  shownMessages(body): ShownMessage[] {
    const out: ShownMessage[] = [];
    const system = systemText(body);
    if (system) out.push({ role: "system", parts: [system] });
    for (const content of array(body.contents).filter(isObject)) {
      out.push({ role: str(content.role) || "user", parts: array(content.parts).map(shownPart) });
    }
    return out;
  },
};
