import { assert, assertEquals, assertMatch, assertStringIncludes } from "../testing/assert.ts";
import { chatBody, readTimed, withRig } from "./_harness.ts";
import { startFakeUpstream } from "./fake_upstream.ts";
import { gunzipSync } from "node:zlib";
import { startLlmprof } from "../server.ts";
import { testConfig } from "./_harness.ts";

const json = { "content-type": "application/json" };

Deno.test("proxy forwards SSE chunks without buffering", () =>
  withRig(async ({ llmprof }) => {
    const response = await fetch(`${llmprof.url}/v1/chat/completions`, {
      method: "POST",
      headers: { ...json, "x-fake-behavior": "slow" },
      body: chatBody({ stream: true }),
    });
    const { text, times } = await readTimed(response);
    assertEquals(text.match(/data: /g)?.length, 10);
    // 10 chunks 50 ms apart arrive spread over ~450 ms, not in one burst at the end.
    assert(times.length >= 8, `expected separate chunks, got ${times.length} reads`);
    assert(times[times.length - 1] - times[0] >= 300, "chunks arrived in one burst");
  }));

Deno.test("proxy passes a byte-identical SSE body and adds the call id header", () =>
  withRig(async ({ fake, llmprof, nextCall }) => {
    const init = {
      method: "POST",
      headers: json,
      body: chatBody({ stream: true, stream_options: { include_usage: true } }),
    };
    const direct = await fetch(`${fake.url}/v1/chat/completions`, init);
    const proxied = await fetch(`${llmprof.url}/v1/chat/completions`, init);
    const directBytes = new Uint8Array(await direct.arrayBuffer());
    const proxiedBytes = new Uint8Array(await proxied.arrayBuffer());
    assertEquals(proxiedBytes, directBytes);
    assertEquals(proxied.headers.get("content-type"), "text/event-stream");
    const id = proxied.headers.get("x-llmprof-call-id");
    assertMatch(id ?? "", /^[0-9A-Z]{26}$/);
    const call = await nextCall();
    assertEquals(call.id, id);
    assertEquals(call.api, "chat.completions");
    assertEquals(call.provider, "openai");
    assertEquals(call.status, 200);
    assertEquals(call.responseBody, directBytes);
    assertEquals(new TextDecoder().decode(call.requestBody!), init.body);
    assertEquals(call.requestBytes, new TextEncoder().encode(init.body).byteLength);
    assertEquals(call.responseBytes, directBytes.byteLength);
    assert(call.ttfbMs !== null && call.ttfbMs >= 0 && call.ttfbMs <= call.durationMs);
    assertEquals(call.clientAborted, false);
    assertEquals(call.error, null);
  }));

/** Sends one raw HTTP/1.1 request to llmprof and reads the answer's head and body bytes. */
async function rawRequest(
  port: number,
  head: string,
  body: string,
): Promise<{ head: string; body: Uint8Array }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const bytes = new TextEncoder().encode(body);
  await conn.write(new TextEncoder().encode(
    `${head}\r\ncontent-length: ${bytes.byteLength}\r\nconnection: close\r\n\r\n`,
  ));
  await conn.write(bytes);
  const answer = new Uint8Array(await new Response(conn.readable).arrayBuffer());
  const split = answer.findIndex((_, i) =>
    answer[i] === 13 && answer[i + 1] === 10 && answer[i + 2] === 13 && answer[i + 3] === 10
  );
  return {
    head: new TextDecoder().decode(answer.subarray(0, split)),
    body: answer.subarray(split + 4),
  };
}

Deno.test("proxy sends the upstream only the headers the client sent, plus Host", () =>
  withRig(async ({ fake, llmprof }) => {
    const answer = await rawRequest(
      llmprof.port,
      "POST /v1/chat/completions HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json",
      chatBody(),
    );
    assertMatch(answer.head, /^HTTP\/1\.1 200 /);
    const seen = fake.requests[0].headers;
    for (const added of ["accept", "accept-encoding", "accept-language", "user-agent"]) {
      assertEquals(seen[added], undefined, `the proxy added ${added}: ${seen[added]}`);
    }
    // The client's headers, the upstream's own Host, the body's length and the connection's reuse.
    assertEquals(Object.keys(seen).sort(), [
      "connection",
      "content-length",
      "content-type",
      "host",
    ]);
    assertEquals(seen.host, new URL(fake.url).host);
    assertEquals(seen.connection, "keep-alive");
  }));

Deno.test("proxy hands a gzip body to a client that asked for it as it came, and analysis decodes its copy", () =>
  withRig(async ({ fake, llmprof, nextRecord }) => {
    const headers = { ...json, "x-fake-behavior": "gzip", "accept-encoding": "gzip" };
    const direct = await (await fetch(`${fake.url}/v1/chat/completions`, {
      method: "POST",
      headers,
      body: chatBody(),
    })).json();
    const answer = await rawRequest(
      llmprof.port,
      "POST /v1/chat/completions HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n" +
        "x-fake-behavior: gzip\r\naccept-encoding: gzip",
      chatBody(),
    );
    assertMatch(answer.head, /\r\ncontent-encoding: gzip\r\n/i);
    assertEquals(answer.body.subarray(0, 2), new Uint8Array([0x1f, 0x8b]));
    assertEquals(JSON.parse(new TextDecoder().decode(gunzipSync(answer.body))), direct);
    assertEquals(fake.requests.at(-1)!.headers["accept-encoding"], "gzip");
    const { record } = await nextRecord();
    assertEquals(record.usage?.output_tokens, direct.usage.completion_tokens);
    assertEquals(record.response?.text, direct.choices[0].message.content);
    assert(
      !record.attribution?.notes.some((note) => note.includes("encoded")),
      "the gzip response was not analysed",
    );
  }, () => ({ analyse: true })));

Deno.test("proxy routes by path suffix so base URLs may carry a prefix", () =>
  withRig(async ({ fake, llmprof, nextCall }) => {
    const response = await fetch(`${llmprof.url}/team-a/v1/messages?beta=true`, {
      method: "POST",
      headers: { ...json, "anthropic-version": "2023-06-01" },
      body: JSON.stringify({
        model: "claude-sonnet-4-6",
        max_tokens: 10,
        messages: [{ role: "user", content: "Hi" }],
      }),
    });
    assertEquals(response.status, 200);
    assert(response.headers.has("x-llmprof-call-id"));
    await response.body?.cancel();
    assertEquals(fake.requests.at(-1)?.path, "/team-a/v1/messages");
    assertEquals(fake.requests.at(-1)?.search, "?beta=true");
    const call = await nextCall();
    assertEquals([call.api, call.provider, call.path, call.query], [
      "messages",
      "anthropic",
      "/team-a/v1/messages",
      "?beta=true",
    ]);
  }));

Deno.test("proxy joins an upstream base path with the request path", () =>
  withRig(async ({ fake, llmprof }) => {
    const response = await fetch(`${llmprof.url}/v1/chat/completions`, {
      method: "POST",
      headers: json,
      body: chatBody(),
    });
    assertEquals(response.status, 200);
    await response.body?.cancel();
    assertEquals(fake.requests.at(-1)?.path, "/openai/v1/chat/completions");
  }, (fakeUrl) => ({ upstream: new URL(`${fakeUrl}/openai`) })));

Deno.test("proxy passes other paths and methods through verbatim, without a call id", () =>
  withRig(async ({ fake, llmprof, nextCall }) => {
    const models = await fetch(`${llmprof.url}/v1/models?limit=2`);
    assertEquals(await models.json(), await (await fetch(`${fake.url}/v1/models`)).json());
    assertEquals(models.headers.get("x-llmprof-call-id"), null);
    assertEquals(fake.requests.at(-2)?.search, "?limit=2");

    const embed = await fetch(`${llmprof.url}/v1/embeddings`, {
      method: "POST",
      headers: json,
      body: JSON.stringify({ model: "text-embedding-3-small", input: "hi" }),
    });
    assertEquals((await embed.json()).data[0].embedding, [0.1, 0.2, 0.3]);

    const form = new FormData();
    const file = new Uint8Array(300_000).map((_, i) => i % 251);
    form.append("purpose", "batch");
    form.append("file", new File([file], "batch.jsonl"));
    const upload = await fetch(`${llmprof.url}/v1/files`, { method: "POST", body: form });
    assertEquals(await upload.json(), {
      id: "file-fake",
      object: "file",
      purpose: "batch",
      filename: "batch.jsonl",
      bytes: 300_000,
    });

    const calls = [await nextCall(), await nextCall(), await nextCall()];
    assertEquals(calls.map((c) => c.api), ["passthrough", "passthrough", "passthrough"]);
    assertEquals(calls.map((c) => c.requestBody), [null, null, null]);
    assertEquals(calls.map((c) => c.path), ["/v1/models", "/v1/embeddings", "/v1/files"]);
    assert(calls[2].requestBytes > 300_000);
  }));

Deno.test("proxy sends unrecognised Anthropic-keyed requests to the Anthropic upstream", async () => {
  const openai = startFakeUpstream();
  const anthropic = startFakeUpstream();
  const llmprof = await startLlmprof(
    testConfig(openai.url, { anthropicUpstream: new URL(anthropic.url) }),
    { log: () => {} },
  );
  try {
    await (await fetch(`${llmprof.url}/v1/models`, { headers: { "x-api-key": "k" } })).body
      ?.cancel();
    await (await fetch(`${llmprof.url}/v1/models`, {
      headers: { "anthropic-version": "2023-06-01" },
    })).body?.cancel();
    await (await fetch(`${llmprof.url}/v1/models`, { headers: { authorization: "Bearer k" } })).body
      ?.cancel();
    assertEquals(anthropic.requests.length, 2);
    assertEquals(openai.requests.length, 1);
  } finally {
    await llmprof.shutdown();
    await Promise.all([openai.close(), anthropic.close()]);
  }
});

Deno.test("proxy forwards method, query and headers, drops hop-by-hop ones and sets Host", () =>
  withRig(async ({ fake, llmprof }) => {
    const body = chatBody();
    const response = await fetch(`${llmprof.url}/v1/chat/completions?api-version=2024-10-21`, {
      method: "POST",
      headers: {
        ...json,
        "x-custom": "kept",
        "openai-organization": "org-1",
        connection: "keep-alive, x-hop",
        "x-hop": "dropped",
        "keep-alive": "timeout=5",
      },
      body,
    });
    await response.body?.cancel();
    const seen = fake.requests.at(-1)!;
    assertEquals(seen.method, "POST");
    assertEquals(seen.search, "?api-version=2024-10-21");
    assertEquals(seen.headers["x-custom"], "kept");
    assertEquals(seen.headers["openai-organization"], "org-1");
    assertEquals(seen.headers["x-hop"], undefined);
    assertEquals(seen.headers["keep-alive"], undefined);
    assertEquals(seen.headers["host"], new URL(fake.url).host);
    assertEquals(seen.headers["content-length"], String(new TextEncoder().encode(body).byteLength));
    assertEquals(new TextDecoder().decode(seen.body), body);
  }));

Deno.test("proxy forwards a 300 KB request body byte for byte with its Content-Length", () =>
  withRig(async ({ fake, llmprof, nextCall }) => {
    // Over the size read chunk by chunk (64 KiB), with characters of several UTF-8 lengths.
    const body = chatBody({
      messages: [{ role: "user", content: "tool output é ✓ 🙂\n".repeat(12_000) }],
    });
    const sent = new TextEncoder().encode(body);
    const response = await fetch(`${llmprof.url}/v1/chat/completions`, {
      method: "POST",
      headers: json,
      body: sent,
    });
    await response.body?.cancel();
    const seen = fake.requests.at(-1)!;
    assertEquals(seen.headers["content-length"], String(sent.byteLength));
    assertEquals(seen.headers["transfer-encoding"], undefined);
    assertEquals(new TextDecoder().decode(seen.body), body);
    const call = await nextCall();
    assertEquals(call.requestBytes, sent.byteLength);
    assertEquals(new TextDecoder().decode(call.requestBody!), body);
  }));

Deno.test("proxy passes upstream 4xx and 5xx responses through unchanged", () =>
  withRig(async ({ fake, llmprof, nextCall }) => {
    for (const status of [400, 401, 429, 500, 529]) {
      const init = {
        method: "POST",
        headers: { ...json, "x-fake-behavior": `status-${status}` },
        body: chatBody(),
      };
      const direct = await fetch(`${fake.url}/v1/chat/completions`, init);
      const proxied = await fetch(`${llmprof.url}/v1/chat/completions`, init);
      assertEquals(proxied.status, status);
      assertEquals(proxied.headers.get("retry-after"), "0");
      assertEquals(await proxied.text(), await direct.text());
      assertEquals((await nextCall()).status, status);
    }
  }));

Deno.test("proxy answers 502 for a chunked request body when the upstream is unreachable, and records it", async () => {
  const closed = { url: "http://127.0.0.1:9" };
  const llmprof = await startLlmprof(testConfig(closed.url), { log: () => {}, analyse: false });
  try {
    // No Content-Length: the body is streamed upstream, so nothing but the failed connect ends it.
    const body = new Response(chatBody()).body!;
    const response = await fetch(`${llmprof.url}/v1/chat/completions`, {
      method: "POST",
      headers: json,
      body,
      duplex: "half",
    } as RequestInit);
    assertEquals(response.status, 502);
    await response.body?.cancel();
    const call = await llmprof.queue.take();
    assertEquals(call?.status, 502);
    assertStringIncludes(call?.error ?? "", "could not reach the upstream");
  } finally {
    await llmprof.shutdown();
  }
});

Deno.test("proxy answers 502 in OpenAI's error shape when the upstream is unreachable", async () => {
  // Port 9 (discard) is closed here and never handed out for port 0: a just-closed ephemeral
  // port could be given to llmprof itself, which would then proxy to itself.
  const closed = { url: "http://127.0.0.1:9" };
  const logs: string[] = [];
  const llmprof = await startLlmprof(testConfig(closed.url), {
    log: (l) => logs.push(l),
    analyse: false,
  });
  try {
    const response = await fetch(`${llmprof.url}/v1/chat/completions`, {
      method: "POST",
      headers: json,
      body: chatBody(),
    });
    assertEquals(response.status, 502);
    const body = await response.json();
    assertStringIncludes(
      body.error.message,
      `could not reach the upstream ${closed.url}/v1/chat/completions`,
    );
    assertEquals(body.error.code, "llmprof_upstream_unreachable");
    const call = await llmprof.queue.take();
    assertEquals(call?.status, 502);
    assertStringIncludes(call?.error ?? "", "could not reach the upstream");
    assertEquals(logs.length, 1);
  } finally {
    await llmprof.shutdown();
  }
});

Deno.test("proxy answers 502 in Anthropic's error shape on a DNS failure", async () => {
  const llmprof = await startLlmprof(testConfig("http://llmprof-test.invalid"), { log: () => {} });
  try {
    const response = await fetch(`${llmprof.url}/v1/messages`, {
      method: "POST",
      headers: json,
      body: JSON.stringify({ model: "claude-sonnet-4-6", max_tokens: 5, messages: [] }),
    });
    assertEquals(response.status, 502);
    const body = await response.json();
    assertEquals(body.type, "error");
    assertEquals(body.error.type, "api_error");
    assertStringIncludes(body.error.message, "http://llmprof-test.invalid/v1/messages");
  } finally {
    await llmprof.shutdown();
  }
});

Deno.test("proxy answers 502 when the upstream does not answer in time", () =>
  withRig(async ({ llmprof, nextCall }) => {
    const response = await fetch(`${llmprof.url}/v1/chat/completions`, {
      method: "POST",
      headers: { ...json, "x-fake-behavior": "hang" },
      body: chatBody(),
    });
    assertEquals(response.status, 502);
    assertStringIncludes((await response.json()).error.message, "no response within");
    assertEquals((await nextCall()).status, 502);
  }, () => ({ timeoutMs: 300 })));

/** Waits for `event`, failing with `failure` when it takes a second or more from now. */
async function withinASecond(event: Promise<unknown>, failure: string): Promise<void> {
  const from = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    event,
    new Promise((_, reject) => timer = setTimeout(() => reject(new Error(failure)), 1_000)),
  ]).finally(() => clearTimeout(timer));
  assert(performance.now() - from < 1_000, failure);
}

Deno.test("proxy aborts the upstream within a second when the client leaves before it answers", () =>
  withRig(async ({ fake, llmprof, nextCall }) => {
    const cancelled = fake.nextCancel();
    const client = new AbortController();
    const sent = fetch(`${llmprof.url}/v1/chat/completions`, {
      method: "POST",
      headers: { ...json, "x-fake-behavior": "hang" },
      body: chatBody(),
      signal: client.signal,
    }).catch((error: Error) => error.name);
    await new Promise((r) => setTimeout(r, 100));
    client.abort();
    assertEquals(await sent, "AbortError");
    await withinASecond(cancelled, "upstream never saw the abort");
    const call = await nextCall();
    assertEquals([call.status, call.clientAborted], [499, true]);
    assertStringIncludes(call.error ?? "", "client disconnected");
  }));

Deno.test("proxy aborts the upstream within a second when the client disconnects mid-stream", () =>
  withRig(async ({ fake, llmprof, nextCall }) => {
    const cancelled = fake.nextCancel();
    const response = await fetch(`${llmprof.url}/v1/chat/completions`, {
      method: "POST",
      headers: { ...json, "x-fake-behavior": "endless" },
      body: chatBody({ stream: true }),
    });
    const reader = response.body!.getReader();
    await reader.read();
    await reader.read();
    await reader.cancel();
    await withinASecond(cancelled, "upstream never saw the abort");
    const call = await nextCall();
    assertEquals(call.clientAborted, true);
    assert(call.responseBytes > 0, "what arrived before the disconnect is kept");
    assertStringIncludes(new TextDecoder().decode(call.responseBody!), 'data: {"n":0}');
  }));

Deno.test("proxy forwards a malformed JSON body verbatim", () =>
  withRig(async ({ fake, llmprof, nextCall }) => {
    const body = '{"model": "gpt-4o", "messages": [ {not json';
    const response = await fetch(`${llmprof.url}/v1/chat/completions`, {
      method: "POST",
      headers: json,
      body,
    });
    assertEquals(response.status, 400);
    await response.body?.cancel();
    assertEquals(new TextDecoder().decode(fake.requests.at(-1)!.body), body);
    assertEquals(new TextDecoder().decode((await nextCall()).requestBody!), body);
  }));

Deno.test("proxy records that analysis was skipped for bodies over the capture cap", () =>
  withRig(async ({ fake, llmprof, nextCall }) => {
    const body = chatBody({ messages: [{ role: "user", content: "x".repeat(5_000) }] });
    const response = await fetch(`${llmprof.url}/v1/chat/completions`, {
      method: "POST",
      headers: json,
      body,
    });
    assertEquals(response.status, 200);
    await response.body?.cancel();
    assertEquals(fake.requests.at(-1)!.body.byteLength, body.length);
    const call = await nextCall();
    assertEquals(call.requestBody, null);
    assertEquals(call.requestBytes, body.length);
    assertStringIncludes(call.error ?? "", "analysis skipped");
  }, () => ({ captureCap: 1_000 })));

Deno.test("proxy streams a chunked request body of unknown length", () =>
  withRig(async ({ fake, llmprof, nextCall }) => {
    const text = chatBody();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        const bytes = new TextEncoder().encode(text);
        controller.enqueue(bytes.slice(0, 10));
        controller.enqueue(bytes.slice(10));
        controller.close();
      },
    });
    const response = await fetch(`${llmprof.url}/v1/chat/completions`, {
      method: "POST",
      headers: json,
      body,
    });
    assertEquals(response.status, 200);
    await response.body?.cancel();
    assertEquals(new TextDecoder().decode(fake.requests.at(-1)!.body), text);
    assertEquals(new TextDecoder().decode((await nextCall()).requestBody!), text);
  }));

Deno.test("no API key appears in a captured call, a log line or health", () =>
  withRig(async ({ fake, llmprof, logs, nextCall }) => {
    const secret = "sk-llmprof-test-SECRET-0123456789";
    const headers = {
      ...json,
      authorization: `Bearer ${secret}`,
      "x-api-key": secret,
      "api-key": secret,
      "x-goog-api-key": secret,
    };
    const ok = await fetch(`${llmprof.url}/v1/chat/completions?key=${secret}`, {
      method: "POST",
      headers,
      body: chatBody(),
    });
    await ok.body?.cancel();
    assertEquals(
      fake.requests.at(-1)!.headers["authorization"],
      `Bearer ${secret}`,
      "the key still reaches the upstream",
    );
    const first = await nextCall();

    await fake.close();
    const failed = await fetch(`${llmprof.url}/v1/chat/completions?key=${secret}`, {
      method: "POST",
      headers,
      body: chatBody(),
    });
    const failedText = await failed.text();
    const second = await nextCall();
    const health = await (await fetch(`${llmprof.url}/_llmprof/health`)).text();

    for (const where of [JSON.stringify([first, second]), logs.join("\n"), health, failedText]) {
      assert(!where.includes(secret), `the key leaked into: ${where.slice(0, 200)}`);
    }
    assertEquals(first.requestHeaders["authorization"], "[redacted]");
    assertEquals(first.query, "?key=%5Bredacted%5D");
    assert(logs.length > 0, "the failure was logged");
  }));

Deno.test("health reports version, store and queue", () =>
  withRig(async ({ llmprof }) => {
    const health = await (await fetch(`${llmprof.url}/_llmprof/health`)).json();
    assertEquals(health.status, "ok");
    assertMatch(health.version, /^\d+\.\d+\.\d+$/);
    assertEquals(typeof health.store.kind, "string");
    assertEquals(health.queue, { pending: 0, dropped: 0 });
  }));

Deno.test("GET / redirects to the dashboard", () =>
  withRig(async ({ llmprof }) => {
    const response = await fetch(`${llmprof.url}/`, { redirect: "manual" });
    assertEquals(response.status, 302);
    assertEquals(new URL(response.headers.get("location")!).pathname, "/_llmprof/");
  }));

Deno.test("llmprof in front of another llmprof answers with its own call id only", () =>
  withRig(async ({ llmprof: inner, nextCall }) => {
    const outer = await startLlmprof(testConfig(inner.url), { log: () => {}, analyse: false });
    try {
      const response = await fetch(`${outer.url}/v1/chat/completions`, {
        method: "POST",
        headers: json,
        body: chatBody(),
      });
      await response.body?.cancel();
      const innerId = (await nextCall()).id;
      const outerId = response.headers.get("x-llmprof-call-id");
      assertMatch(outerId ?? "", /^[0-9A-Z]{26}$/);
      assert(outerId !== innerId, "the outer llmprof's id replaces the inner one's");
    } finally {
      await outer.shutdown();
    }
  }));
