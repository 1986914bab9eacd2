import { assertEquals, assertThrows } from "../testing/assert.ts";
import { proxyEnv, proxyFor } from "./_proxy_env.ts";

const env = (vars: Record<string, string>) => proxyEnv((name) => vars[name]);
const to = (hostname: string, port = 443, secure = true) => ({ secure, hostname, port });

Deno.test("HTTPS_PROXY serves https upstreams and HTTP_PROXY http ones, lower-case names first", () => {
  const settings = env({
    HTTPS_PROXY: "http://upper:3128",
    https_proxy: "http://lower:3128",
    HTTP_PROXY: "plain:8080",
  });
  assertEquals(proxyFor(settings, to("api.openai.com"))?.url.host, "lower:3128");
  assertEquals(proxyFor(settings, to("api.openai.com", 80, false))?.url.href, "http://plain:8080/");
});

Deno.test("NO_PROXY exempts hosts, their subdomains, and host:port pairs; * exempts all", () => {
  const settings = env({
    HTTPS_PROXY: "http://proxy:3128",
    NO_PROXY: "localhost, .internal.example,*.corp.example  gateway:8443,[::1]",
  });
  assertEquals(proxyFor(settings, to("localhost")), null);
  assertEquals(proxyFor(settings, to("a.internal.example")), null);
  assertEquals(proxyFor(settings, to("internal.example")), null);
  assertEquals(proxyFor(settings, to("x.corp.example")), null);
  assertEquals(proxyFor(settings, to("gateway", 8443)), null);
  assertEquals(proxyFor(settings, to("::1")), null);
  assertEquals(proxyFor(settings, to("gateway", 443))?.url.host, "proxy:3128");
  assertEquals(proxyFor(settings, to("notinternal.example"))?.url.host, "proxy:3128");
  assertEquals(proxyFor(env({ HTTPS_PROXY: "http://p:1", NO_PROXY: "*" }), to("any")), null);
});

Deno.test("a proxy URL's credentials become its Proxy-Authorization", () => {
  const choice = proxyFor(
    env({ HTTPS_PROXY: "http://me:p%40ss@proxy:3128" }),
    to("api.openai.com"),
  );
  assertEquals(choice?.authorization, `Basic ${btoa("me:p@ss")}`);
});

Deno.test("a proxy setting that is not a URL is refused with the variable's name", () => {
  assertThrows(
    () => env({ HTTPS_PROXY: "http://[bad" }),
    Error,
    'Cannot use HTTPS_PROXY "http://[bad"',
  );
});
