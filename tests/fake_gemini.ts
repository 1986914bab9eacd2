/**
 * The Gemini API side of the fake upstream: `generateContent`, `streamGenerateContent` with
 * `alt=sse` (one `data:` event per GenerateContentResponse, CRLF-separated as Google sends
 * them) and without (one JSON array, streamed element by element), and `countTokens`.
 * Usage is in every chunk's `usageMetadata`, the last one complete, as Google documents.
 * A conversation whose first user content says `[fake-agent] read PATH` is played as the
 * Gemini CLI's tool loop (see {@linkcode scriptedCall}).
 */
type Json = Record<string, unknown>;

const TEXT = ["Hello", " from", " the", " fake", " upstream."];
const THOUGHT = "Thinking it over.";

/** A stand-in prompt size: about four bytes a token. */
function promptTokens(body: Uint8Array): number {
  return Math.max(1, Math.ceil(body.byteLength / 4));
}

function array(value: unknown): Json[] {
  return Array.isArray(value) ? value as Json[] : [];
}

/** A scripted function call, or null to answer in text. */
type Call = { name: string; args: Json } | null;

/**
 * The Gemini CLI's scripted turns: read PATH with `read_file`, hand `[fake-sub] read PATH`
 * to the `generalist` subagent through `invoke_agent` (when offered), read PATH again, and
 * answer. The subagent reads PATH and finishes with `complete_task` (when offered). Returns
 * undefined when the conversation is not scripted.
 */
function scriptedCall(request: Json): { call: Call; text: string } | undefined {
  const contents = array(request.contents);
  const texts = contents.filter((c) => c.role === "user").flatMap((c) =>
    array(c.parts).map((p) => typeof p.text === "string" ? p.text : "")
  );
  const opening = texts.find((t) => t.includes("[fake-agent]") || t.includes("[fake-sub]"));
  if (!opening) return undefined;
  const path = /read (\S+)/.exec(opening)?.[1] ?? "README.md";
  const declared = new Set(
    array(request.tools).flatMap((t) => array(t.functionDeclarations)).map((f) => String(f.name)),
  );
  const results =
    contents.flatMap((c) => array(c.parts)).filter((p) => p.functionResponse !== undefined).length;
  const read: Call = { name: "read_file", args: { file_path: path } };
  const plan: Call[] = opening.includes("[fake-sub]")
    ? [
      read,
      declared.has("complete_task")
        ? { name: "complete_task", args: { result: { response: "Subagent done." } } }
        : null,
    ]
    : [
      read,
      ...(declared.has("invoke_agent")
        ? [{
          name: "invoke_agent",
          args: { agent_name: "generalist", prompt: `[fake-sub] read ${path} and summarise it` },
        }]
        : []),
      read,
      null,
    ];
  const call = plan[Math.min(results, plan.length - 1)];
  return { call, text: opening.includes("[fake-sub]") ? "Subagent done." : "All done." };
}

/** The function to call: the first declared one, unless the last content answers a call. */
function toolToCall(request: Json): string | null {
  const declared = array(request.tools).flatMap((t) => array(t.functionDeclarations));
  const contents = array(request.contents);
  const last = contents[contents.length - 1];
  const answered = array(last?.parts).some((p) => p.functionResponse !== undefined);
  return declared.length > 0 && !answered ? String(declared[0].name) : null;
}

function usage(prompt: number, output: number, request: Json): Json {
  const thinking = (request.generationConfig as Json | undefined)?.thinkingConfig as
    | Json
    | undefined;
  const thoughts = thinking?.includeThoughts === true ? 7 : 0;
  const cached = typeof request.cachedContent === "string" ? Math.min(prompt, 4096) : 0;
  const promptTotal = prompt + cached;
  return {
    promptTokenCount: promptTotal,
    candidatesTokenCount: output,
    totalTokenCount: promptTotal + output + thoughts,
    ...(cached > 0 ? { cachedContentTokenCount: cached } : {}),
    ...(thoughts > 0 ? { thoughtsTokenCount: thoughts } : {}),
    promptTokensDetails: [{ modality: "TEXT", tokenCount: promptTotal }],
  };
}

/** The GenerateContentResponse chunks of one answer; one chunk when not streamed. */
function chunks(request: Json, body: Uint8Array, model: string, stream: boolean): Json[] {
  const prompt = promptTokens(body);
  const script = scriptedCall(request);
  const tool = script ? script.call?.name ?? null : toolToCall(request);
  const args = script?.call?.args ?? { city: "Paris" };
  const answer = script ? [script.text] : TEXT;
  const base = { modelVersion: model, responseId: "fake-gemini-response-1" };
  const thoughts = ((request.generationConfig as Json | undefined)?.thinkingConfig as
    | Json
    | undefined)?.includeThoughts === true;
  const candidate = (parts: Json[], finishReason?: string) => ({
    content: { parts, role: "model" },
    ...(finishReason ? { finishReason } : {}),
    index: 0,
  });
  if (tool) {
    return [{
      candidates: [candidate([{ functionCall: { name: tool, args } }], "STOP")],
      usageMetadata: usage(prompt, 9, request),
      ...base,
    }];
  }
  if (!stream) {
    const parts = [
      ...(thoughts ? [{ text: THOUGHT, thought: true }] : []),
      { text: answer.join("") },
    ];
    return [{
      candidates: [candidate(parts, "STOP")],
      usageMetadata: usage(prompt, answer.length, request),
      ...base,
    }];
  }
  const out: Json[] = [];
  if (thoughts) {
    out.push({
      candidates: [candidate([{ text: THOUGHT, thought: true }])],
      usageMetadata: usage(prompt, 0, request),
      ...base,
    });
  }
  answer.forEach((text, i) => {
    const last = i === answer.length - 1;
    out.push({
      candidates: [candidate([{ text }], last ? "STOP" : undefined)],
      usageMetadata: usage(prompt, i + 1, request),
      ...base,
    });
  });
  return out;
}

/** The model of a `…/models/M:verb` path. */
function modelOfPath(path: string): string {
  return decodeURIComponent(/\/models\/([^/:]+):/.exec(path)?.[1] ?? "gemini-2.5-flash");
}

/**
 * Answers a Gemini API request, or null when `path` is not one. `frames` are the pieces a
 * streamed response is sent in, one by one.
 */
export function fakeGemini(
  path: string,
  search: string,
  body: Uint8Array,
): { json: unknown } | { frames: string[]; contentType: string } | null {
  const verb = /:([A-Za-z]+)$/.exec(path)?.[1];
  if (verb === undefined || !/\/models\/[^/:]+:/.test(path)) return null;
  const request = JSON.parse(new TextDecoder().decode(body)) as Json;
  const model = modelOfPath(path);
  if (verb === "countTokens") {
    const inner = (request.generateContentRequest as Json | undefined) ?? request;
    const tokens = promptTokens(new TextEncoder().encode(JSON.stringify(inner.contents ?? [])));
    return {
      json: {
        totalTokens: tokens,
        promptTokensDetails: [{ modality: "TEXT", tokenCount: tokens }],
      },
    };
  }
  if (verb === "generateContent") return { json: chunks(request, body, model, false)[0] };
  if (verb !== "streamGenerateContent") return null;
  const all = chunks(request, body, model, true);
  if (new URLSearchParams(search).get("alt") === "sse") {
    return {
      frames: all.map((c) => `data: ${JSON.stringify(c)}\r\n\r\n`),
      contentType: "text/event-stream",
    };
  }
  return {
    frames: all.map((c, i) =>
      (i === 0 ? "[" : ",\r\n") + JSON.stringify(c, null, 2) + (i === all.length - 1 ? "]" : "")
    ),
    contentType: "application/json",
  };
}
