import { assert, assertEquals } from "../testing/assert.ts";
import { Guard } from "./guard.ts";

const guard = new Guard({
  host: "0.0.0.0",
  port: 4000,
  interfaces: ["127.0.0.1", "10.1.2.3"],
  allowedHosts: ["llmprof.team"],
  allowedOrigins: ["https://app.example.com"],
  token: "team-token-0123456789abcdef",
});

Deno.test("the guard answers loopback names, the bound addresses and allowed hosts only", () => {
  for (
    const host of [
      "localhost:4000",
      "LOCALHOST:4000",
      "127.0.0.1:4000",
      "[::1]:4000",
      "app.localhost:4000",
      "10.1.2.3:4000",
      "llmprof.team",
      "llmprof.team:8443",
    ]
  ) assert(guard.ownHost(host), host);
  for (
    const host of [
      null,
      "",
      "evil.example",
      "evil.example:4000",
      "localhost:4001",
      "localhost",
      "127.0.0.1.evil.example:4000",
      "localhost.evil.example:4000",
      "10.1.2.4:4000",
      "llmprof.team.evil.example",
    ]
  ) assert(!guard.ownHost(host), String(host));
});

Deno.test("the guard forwards proxied requests from no origin, loopback origins and allowed origins only", () => {
  const from = (origin?: string) =>
    guard.checkProxied(
      new Request("http://x/v1/chat/completions", { headers: origin ? { origin } : {} }),
    )?.status ?? 200;
  assertEquals(
    [undefined, "http://localhost:5173", "http://[::1]:3000", "https://app.example.com"].map(from),
    [200, 200, 200, 200],
  );
  assertEquals(
    ["http://evil.example", "null", "http://localhost.evil.example", "https://app.example.com:444"]
      .map(from),
    [403, 403, 403, 403],
  );
});

Deno.test("the guard takes the token as a bearer header or the login cookie, nothing else", () => {
  const request = (headers: Record<string, string>) => new Request("http://x/", { headers });
  assert(guard.authorised(request({ authorization: "Bearer team-token-0123456789abcdef" })));
  assert(!guard.authorised(request({ authorization: "Bearer team-token-0123456789abcdeF" })));
  assert(!guard.authorised(request({})));
  const cookie = guard.sessionCookie(false).split(";")[0];
  assert(guard.authorised(request({ cookie: `theme=dark; ${cookie}` })));
  assert(!guard.authorised(request({ cookie: "llmprof_session=team-token-0123456789abcdef" })));
  assert(guard.sessionCookie(false).includes("HttpOnly; SameSite=Strict"));
});
