/**
 * A fake OpenAI + Anthropic + Gemini (`fake_gemini.ts`) + Azure OpenAI + Vertex AI upstream
 * for tests and benchmarks. It replays the event
 * sequences the providers document, for JSON and SSE, and a few failure modes chosen
 * with the `x-fake-behavior` request header:
 * `slow` (10 SSE chunks 50 ms apart), `endless` (SSE until the client leaves),
 * `gzip` (gzip-encoded JSON), `hang` (never answers), `status-<code>` (provider error).
 * `x-fake-tool: <name>` picks the tool to call; `promptCache` simulates prompt caching.
 */
import { gzipSync } from "node:zlib";
import { type CacheUse, FakePromptCache } from "./fake_cache.ts";
import { fakeGemini } from "./fake_gemini.ts";
import { scriptedTurn } from "./fake_agent.ts";

/** One request the fake upstream received. */
export interface SeenRequest {
  method: string;
  path: string;
  search: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** A running fake upstream. */
export interface FakeUpstream {
  url: string;
  requests: SeenRequest[];
  /** How many response streams were cancelled by the peer (the proxy). */
  cancelled(): number;
  /** Resolves at the next cancellation. */
  nextCancel(): Promise<number>;
  close(): Promise<void>;
}

const encoder = new TextEncoder();
/** The model the fake Azure resource runs behind every deployment. */
export const AZURE_MODEL = "gpt-4o-mini-2024-07-18";
const TEXT = ["Hello", " from", " the", " fake", " upstream", "."];
const THINKING = ["Let me", " think", " about", " this."];

type Json = Record<string, unknown>;
type Frame = { event?: string; data: unknown };

function sse(frames: Frame[], done = false): string {
  let out = "";
  for (const f of frames) {
    if (f.event) out += `event: ${f.event}\n`;
    out += `data: ${typeof f.data === "string" ? f.data : JSON.stringify(f.data)}\n\n`;
  }
  return done ? out + "data: [DONE]\n\n" : out;
}

/** A stand-in prompt size: about four bytes a token. */
function promptTokens(body: Uint8Array): number {
  return Math.max(1, Math.ceil(body.byteLength / 4));
}

interface Turn {
  /** The tool to call, or null to answer in text. */
  tool: string | null;
  /** The whole prompt, cache reads and writes included. */
  inputTokens: number;
  outputTokens: number;
  cache: CacheUse;
  /** A scripted agent's tool arguments (JSON, or a custom tool's free text) and tool-call id, or its answer. */
  args?: string;
  /** A Responses custom tool (free-text input), and the namespace a tool is declared in. */
  custom?: boolean;
  namespace?: string;
  callId?: string;
  text?: string;
}

/** A JSON text cut in four parts, as a stream sends tool arguments. */
function argParts(args: string): string[] {
  const q = Math.ceil(args.length / 4);
  return [0, 1, 2, 3].map((i) => args.slice(i * q, (i + 1) * q)).filter((p) => p !== "");
}

/**
 * Calls a tool (the one named by `x-fake-tool`, else the first) while the conversation's
 * last item is not a tool result; else answers.
 */
function decide(
  request: Json,
  raw: Uint8Array,
  options: { tool: string | null; cache: CacheUse },
): Turn {
  const tools = (request.tools as Json[] | undefined) ?? [];
  const items = (request.messages ?? request.input) as Json[] | string | undefined;
  const last = Array.isArray(items) ? items[items.length - 1] : undefined;
  const lastIsResult = last !== undefined && (
    last.role === "tool" || last.type === "function_call_output" ||
    (Array.isArray(last.content) && (last.content as Json[]).some((b) => b.type === "tool_result"))
  );
  const script = scriptedTurn(request);
  if (script) {
    const inputTokens = Math.max(promptTokens(raw), options.cache.read + options.cache.write);
    return "tool" in script
      ? {
        tool: script.tool,
        args: "input" in script ? script.input : JSON.stringify(script.args),
        custom: "input" in script,
        namespace: "namespace" in script ? script.namespace : undefined,
        callId: script.id,
        inputTokens,
        outputTokens: 12,
        cache: options.cache,
      }
      : { tool: null, text: script.text, inputTokens, outputTokens: 12, cache: options.cache };
  }
  const first = tools[0];
  const name = first === undefined
    ? null
    : options.tool ?? ((first.function as Json | undefined)?.name ?? first.name) as string;
  return {
    tool: name && !lastIsResult ? name : null,
    inputTokens: Math.max(promptTokens(raw), options.cache.read + options.cache.write),
    outputTokens: 12,
    cache: options.cache,
  };
}

const ARGS = '{"city":"Paris"}';
const ARG_PARTS = ['{"ci', 'ty":', ' "Par', 'is"}'];

function chatCompletions(request: Json, turn: Turn, stream: boolean): string | Json {
  const id = "chatcmpl-fake123";
  const model = request.model as string;
  const usage = {
    prompt_tokens: turn.inputTokens,
    completion_tokens: turn.outputTokens,
    total_tokens: turn.inputTokens + turn.outputTokens,
    prompt_tokens_details: { cached_tokens: turn.cache.read, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
  const finish = turn.tool ? "tool_calls" : "stop";
  if (!stream) {
    const message = turn.tool
      ? {
        role: "assistant",
        content: null,
        refusal: null,
        tool_calls: [{
          id: "call_fake1",
          type: "function",
          function: { name: turn.tool, arguments: ARGS },
        }],
      }
      : { role: "assistant", content: TEXT.join(""), refusal: null };
    return {
      id,
      object: "chat.completion",
      created: 1_700_000_000,
      model,
      choices: [{ index: 0, message, logprobs: null, finish_reason: finish }],
      usage,
      system_fingerprint: "fp_fake",
    };
  }
  const withUsage = (request.stream_options as Json | undefined)?.include_usage === true;
  const chunk = (delta: Json, finish_reason: string | null = null): Frame => ({
    data: {
      id,
      object: "chat.completion.chunk",
      created: 1_700_000_000,
      model,
      system_fingerprint: "fp_fake",
      choices: [{ index: 0, delta, logprobs: null, finish_reason }],
      ...(withUsage ? { usage: null } : {}),
    },
  });
  const frames: Frame[] = turn.tool
    ? [
      chunk({
        role: "assistant",
        content: null,
        tool_calls: [{
          index: 0,
          id: "call_fake1",
          type: "function",
          function: { name: turn.tool, arguments: "" },
        }],
        refusal: null,
      }),
      ...ARG_PARTS.map((part) =>
        chunk({ tool_calls: [{ index: 0, function: { arguments: part } }] })
      ),
    ]
    : [
      chunk({ role: "assistant", content: "", refusal: null }),
      ...TEXT.map((t) => chunk({ content: t })),
    ];
  frames.push(chunk({}, finish));
  if (withUsage) {
    frames.push({
      data: {
        id,
        object: "chat.completion.chunk",
        created: 1_700_000_000,
        model,
        system_fingerprint: "fp_fake",
        choices: [],
        usage,
      },
    });
  }
  return sse(frames, true);
}

function responses(request: Json, turn: Turn, stream: boolean): string | Json {
  const id = `resp_fake${Math.random().toString(36).slice(2, 10)}`;
  const usage = {
    input_tokens: turn.inputTokens,
    input_tokens_details: { cached_tokens: turn.cache.read },
    output_tokens: turn.outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: turn.inputTokens + turn.outputTokens,
  };
  const args = turn.args ?? ARGS;
  const text = turn.text ? [turn.text] : TEXT;
  // A scripted agent's calls have their own item ids, as real ones do.
  const itemId = turn.callId ? `fc_${turn.callId}` : "fc_fake1";
  const item = turn.tool && turn.custom
    ? {
      id: itemId,
      type: "custom_tool_call",
      status: "completed",
      call_id: turn.callId,
      name: turn.tool,
      input: args,
    }
    : turn.tool
    ? {
      id: itemId,
      type: "function_call",
      status: "completed",
      arguments: args,
      call_id: turn.callId ?? "call_fake1",
      name: turn.tool,
      ...(turn.namespace ? { namespace: turn.namespace } : {}),
    }
    : {
      id: "msg_fake1",
      type: "message",
      status: "completed",
      role: "assistant",
      content: [{ type: "output_text", text: text.join(""), annotations: [] }],
    };
  const base = {
    id,
    object: "response",
    created_at: 1_700_000_000,
    model: request.model,
    instructions: request.instructions ?? null,
    tools: request.tools ?? [],
    previous_response_id: request.previous_response_id ?? null,
    parallel_tool_calls: true,
    temperature: 1,
    top_p: 1,
    tool_choice: "auto",
    text: { format: { type: "text" } },
    reasoning: { effort: null, summary: null },
    store: true,
    metadata: {},
    error: null,
    incomplete_details: null,
  };
  const done = { ...base, status: "completed", output: [item], usage };
  if (!stream) return done;
  let seq = 0;
  const ev = (type: string, fields: Json): Frame => ({
    event: type,
    data: { type, sequence_number: seq++, ...fields },
  });
  const pending = { ...base, status: "in_progress", output: [], usage: null };
  const frames: Frame[] = [
    ev("response.created", { response: pending }),
    ev("response.in_progress", { response: pending }),
  ];
  if (turn.tool) {
    const field = turn.custom ? "input" : "arguments";
    const event = turn.custom
      ? "response.custom_tool_call_input"
      : "response.function_call_arguments";
    frames.push(
      ev("response.output_item.added", {
        output_index: 0,
        item: { ...item, status: "in_progress", [field]: "" },
      }),
    );
    for (const delta of turn.args ? argParts(args) : ARG_PARTS) {
      frames.push(ev(`${event}.delta`, { item_id: itemId, output_index: 0, delta }));
    }
    frames.push(ev(`${event}.done`, { item_id: itemId, output_index: 0, [field]: args }));
  } else {
    frames.push(
      ev("response.output_item.added", {
        output_index: 0,
        item: { ...item, status: "in_progress", content: [] },
      }),
    );
    const part = { type: "output_text", text: "", annotations: [] };
    frames.push(
      ev("response.content_part.added", {
        item_id: "msg_fake1",
        output_index: 0,
        content_index: 0,
        part,
      }),
    );
    for (const delta of text) {
      frames.push(
        ev("response.output_text.delta", {
          item_id: "msg_fake1",
          output_index: 0,
          content_index: 0,
          delta,
          logprobs: [],
        }),
      );
    }
    frames.push(
      ev("response.output_text.done", {
        item_id: "msg_fake1",
        output_index: 0,
        content_index: 0,
        text: text.join(""),
        logprobs: [],
      }),
    );
    frames.push(
      ev("response.content_part.done", {
        item_id: "msg_fake1",
        output_index: 0,
        content_index: 0,
        part: { ...part, text: TEXT.join("") },
      }),
    );
  }
  frames.push(ev("response.output_item.done", { output_index: 0, item }));
  frames.push(ev("response.completed", { response: done }));
  return sse(frames);
}

function messages(request: Json, turn: Turn, stream: boolean): string | Json {
  const thinking = (request.thinking as Json | undefined)?.type === "enabled";
  const usage = {
    input_tokens: turn.inputTokens - turn.cache.read - turn.cache.write,
    cache_creation_input_tokens: turn.cache.write,
    cache_read_input_tokens: turn.cache.read,
    output_tokens: turn.outputTokens,
  };
  const content: Json[] = [];
  if (thinking) {
    content.push({ type: "thinking", thinking: THINKING.join(""), signature: "sig_fake" });
  }
  const text = turn.text ? [turn.text] : TEXT;
  const toolId = turn.callId ?? "toolu_fake1";
  const args = turn.args ?? ARGS;
  content.push({ type: "text", text: text.join("") });
  if (turn.tool) {
    content.push({ type: "tool_use", id: toolId, name: turn.tool, input: JSON.parse(args) });
  }
  const message = {
    // A scripted agent's turns have their own ids, as real ones do: Claude Code merges
    // assistant messages that share one.
    id: turn.callId
      ? `msg_${turn.callId}`
      : turn.text
      ? `msg_fake_${crypto.randomUUID()}`
      : "msg_fake1",
    type: "message",
    role: "assistant",
    model: request.model,
    content,
    stop_reason: turn.tool ? "tool_use" : "end_turn",
    stop_sequence: null,
    usage,
  };
  if (!stream) return message;
  const ev = (type: string, fields: Json = {}): Frame => ({
    event: type,
    data: { type, ...fields },
  });
  const frames: Frame[] = [
    ev("message_start", {
      message: {
        ...message,
        content: [],
        stop_reason: null,
        usage: { ...usage, output_tokens: 1 },
      },
    }),
  ];
  let index = 0;
  if (thinking) {
    frames.push(
      ev("content_block_start", {
        index,
        content_block: { type: "thinking", thinking: "", signature: "" },
      }),
    );
    for (const t of THINKING) {
      frames.push(
        ev("content_block_delta", { index, delta: { type: "thinking_delta", thinking: t } }),
      );
    }
    frames.push(
      ev("content_block_delta", {
        index,
        delta: { type: "signature_delta", signature: "sig_fake" },
      }),
    );
    frames.push(ev("content_block_stop", { index }));
    index++;
  }
  frames.push(ev("content_block_start", { index, content_block: { type: "text", text: "" } }));
  frames.push(ev("ping"));
  for (const t of text) {
    frames.push(ev("content_block_delta", { index, delta: { type: "text_delta", text: t } }));
  }
  frames.push(ev("content_block_stop", { index }));
  index++;
  if (turn.tool) {
    frames.push(
      ev("content_block_start", {
        index,
        content_block: { type: "tool_use", id: toolId, name: turn.tool, input: {} },
      }),
    );
    for (const part of turn.args ? argParts(args) : ARG_PARTS) {
      frames.push(
        ev("content_block_delta", {
          index,
          delta: { type: "input_json_delta", partial_json: part },
        }),
      );
    }
    frames.push(ev("content_block_stop", { index }));
  }
  frames.push(ev("message_delta", {
    delta: { stop_reason: message.stop_reason, stop_sequence: null },
    usage: { output_tokens: turn.outputTokens },
  }));
  frames.push(ev("message_stop"));
  return sse(frames);
}

function providerError(path: string, status: number): Response {
  const body = path.endsWith("/v1/messages")
    ? {
      type: "error",
      error: { type: status === 429 ? "rate_limit_error" : "api_error", message: `fake ${status}` },
    }
    : {
      error: {
        message: `fake ${status}`,
        type: status === 429 ? "rate_limit_exceeded" : "server_error",
        param: null,
        code: null,
      },
    };
  return Response.json(body, { status, headers: { "x-fake": "error", "retry-after": "0" } });
}

/** Options for {@linkcode startFakeUpstream}. */
export interface FakeOptions {
  /** Port to listen on; default a free one. */
  port?: number;
  /** Keep every request for inspection (default true; benchmarks turn it off). */
  record?: boolean;
  /** Simulate the providers' prompt caches and report cache reads and writes (default off). */
  promptCache?: boolean;
}

/** Starts a fake upstream on a loopback port. */
export function startFakeUpstream(options: FakeOptions = {}): FakeUpstream {
  const requests: SeenRequest[] = [];
  const cache = options.promptCache ? new FakePromptCache() : null;
  let cancels = 0;
  const cancelWaiters: Array<(n: number) => void> = [];
  const onCancel = () => {
    cancels++;
    for (const w of cancelWaiters.splice(0)) w(cancels);
  };

  const streamed = (
    frames: string[],
    gapMs: number,
    endless = false,
    contentType = "text/event-stream",
  ): Response => {
    let i = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (!endless && i >= frames.length) return controller.close();
        if (i > 0 && gapMs > 0) await new Promise<void>((r) => timer = setTimeout(r, gapMs));
        controller.enqueue(encoder.encode(frames[i % frames.length]));
        i++;
      },
      cancel() {
        clearTimeout(timer);
        onCancel();
      },
    }, { highWaterMark: 0 });
    return new Response(body, {
      headers: { "content-type": contentType, "cache-control": "no-cache" },
    });
  };

  const server = Deno.serve(
    { hostname: "127.0.0.1", port: options.port ?? 0, onListen() {} },
    async (req) => {
      const url = new URL(req.url);
      const body = new Uint8Array(await req.arrayBuffer());
      if (options.record !== false) {
        requests.push({
          method: req.method,
          path: url.pathname,
          search: url.search,
          headers: Object.fromEntries(req.headers),
          body,
        });
      }
      const behavior = req.headers.get("x-fake-behavior") ?? "";
      const status = /^status-(\d{3})$/.exec(behavior);
      if (status) return providerError(url.pathname, Number(status[1]));
      if (behavior === "hang") {
        await new Promise<void>((resolve) => req.signal.addEventListener("abort", () => resolve()));
        onCancel();
        return new Response(null, { status: 204 });
      }
      if (behavior === "slow" || behavior === "endless") {
        const frames = Array.from({ length: 10 }, (_, n) => `data: {"n":${n}}\n\n`);
        return streamed(frames, 50, behavior === "endless");
      }

      if (req.method === "GET" && url.pathname.endsWith("/v1/models")) {
        return Response.json({
          object: "list",
          data: [{ id: "gpt-4o", object: "model", created: 0, owned_by: "fake" }],
        });
      }
      if (url.pathname.endsWith("/v1/embeddings")) {
        return Response.json({
          object: "list",
          data: [{ object: "embedding", index: 0, embedding: [0.1, 0.2, 0.3] }],
          model: "text-embedding-3-small",
          usage: { prompt_tokens: 3, total_tokens: 3 },
        });
      }
      if (url.pathname.endsWith("/v1/files")) {
        const form = await new Response(body, {
          headers: { "content-type": req.headers.get("content-type") ?? "" },
        }).formData();
        const file = form.get("file");
        return Response.json({
          id: "file-fake",
          object: "file",
          purpose: form.get("purpose"),
          filename: file instanceof File ? file.name : null,
          bytes: file instanceof File ? file.size : 0,
        });
      }
      const vertexAnthropic = /\/publishers\/anthropic\/models\/([^/:]+):(stream)?rawPredict$/i
        .exec(url.pathname);
      if (req.method === "POST" && !vertexAnthropic) {
        let gemini;
        try {
          gemini = fakeGemini(url.pathname, url.search, body);
        } catch {
          return providerError(url.pathname, 400);
        }
        if (gemini && "json" in gemini) return Response.json(gemini.json);
        if (gemini) return streamed(gemini.frames, 0, false, gemini.contentType);
      }
      // Azure OpenAI names deployments in the path and answers with the model behind them.
      const azure = url.pathname.includes("/openai/deployments/") ||
        url.pathname.endsWith("/openai/responses");
      const kind = url.pathname.endsWith("/chat/completions")
        ? chatCompletions
        : url.pathname.endsWith("/responses")
        ? responses
        : url.pathname.endsWith("/v1/messages") || vertexAnthropic
        ? messages
        : null;
      if (kind === null || req.method !== "POST") {
        return Response.json({
          error: { message: `fake upstream has no ${req.method} ${url.pathname}` },
        }, { status: 404 });
      }
      let request: Json;
      try {
        request = JSON.parse(new TextDecoder().decode(body));
      } catch {
        return providerError(url.pathname, 400);
      }
      const turn = decide(request, body, {
        tool: req.headers.get("x-fake-tool"),
        cache: cache?.use(url.pathname, request) ?? { read: 0, write: 0 },
      });
      const answered = azure
        ? { ...request, model: AZURE_MODEL }
        : vertexAnthropic
        ? { ...request, model: decodeURIComponent(vertexAnthropic[1]) }
        : request;
      const out = kind(answered, turn, request.stream === true);
      if (typeof out === "string") {
        const events = out.split(/(?<=\n\n)/);
        return behavior === "slow-events" ? streamed(events, 50) : streamed(events, 0);
      }
      if (behavior === "gzip") {
        const zipped = new Uint8Array(gzipSync(encoder.encode(JSON.stringify(out))));
        return new Response(zipped, {
          headers: {
            "content-type": "application/json",
            "content-encoding": "gzip",
            "content-length": String(zipped.byteLength),
          },
        });
      }
      return Response.json(out, { headers: { "x-request-id": "req_fake" } });
    },
  );

  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    requests,
    cancelled: () => cancels,
    nextCancel: () => new Promise((resolve) => cancelWaiters.push(resolve)),
    close: () => server.shutdown(),
  };
}

/** A raw TCP upstream that answers with bytes a test writes itself; see {@linkcode startRawUpstream}. */
export interface RawUpstream {
  url: string;
  /** Resolves when the peer (the proxy) closes a connection it was answered on. */
  nextClose(): Promise<void>;
  close(): void;
}

/**
 * Starts an upstream that answers every request with `reply`, which writes raw bytes
 * (half a body, a lying header) and may then stall: the misbehaviour fetch-level
 * servers cannot show. A connection stays open until the peer closes it.
 */
export function startRawUpstream(reply: (conn: Deno.Conn) => Promise<void>): RawUpstream {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closeWaiters: Array<() => void> = [];
  const conns = new Set<Deno.Conn>();
  (async () => {
    for await (const conn of listener) {
      conns.add(conn);
      (async () => {
        const buffer = new Uint8Array(64 * 1024);
        let seen = "";
        // Read the request head and body (by Content-Length), then answer.
        for (;;) {
          const n = await conn.read(buffer).catch(() => null);
          if (n === null) break;
          seen += new TextDecoder().decode(buffer.subarray(0, n));
          const end = seen.indexOf("\r\n\r\n");
          if (end < 0) continue;
          const length = Number(/content-length: *(\d+)/i.exec(seen)?.[1] ?? 0);
          if (seen.length - end - 4 >= length) break;
        }
        await reply(conn).catch(() => {});
        while ((await conn.read(buffer).catch(() => null)) !== null) { /* until closed */ }
        conns.delete(conn);
        try {
          conn.close();
        } catch { /* already closed */ }
        for (const w of closeWaiters.splice(0)) w();
      })();
    }
  })().catch(() => {});
  return {
    url: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    nextClose: () => new Promise((resolve) => closeWaiters.push(resolve)),
    close() {
      listener.close();
      for (const conn of conns) {
        try {
          conn.close();
        } catch { /* already closed */ }
      }
    },
  };
}
