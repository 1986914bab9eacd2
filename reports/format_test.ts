import { assertEquals } from "../testing/assert.ts";
import { frameLabel, signedTokens, signedUsd, tokens, usd } from "./format.ts";

Deno.test("token counts read with thousands separators, rounded to whole tokens", () => {
  assertEquals(tokens(1234567), "1,234,567");
  assertEquals(tokens(999.6), "1,000");
  assertEquals(tokens(0), "0");
  assertEquals(tokens(null), "—");
  assertEquals([signedTokens(1017), signedTokens(-40), signedTokens(0)], ["+1,017", "−40", "0"]);
});

Deno.test("dollars show cents from a cent up and two significant digits below, never float noise", () => {
  assertEquals(usd(0.08), "$0.08");
  assertEquals(usd(1234.5), "$1,234.50");
  assertEquals(usd(12.4), "$12.40");
  assertEquals(usd(0.0042), "$0.0042");
  assertEquals(usd(0.00125), "$0.0013");
  assertEquals(usd(0.00031), "$0.00031");
  // Rounding to two digits never shows "$0.010" beside "$0.01".
  assertEquals(usd(0.00999), "$0.01");
  assertEquals(usd(0.0000012), "<$0.0001");
  assertEquals(usd(0), "$0");
  assertEquals(usd(undefined), "—");
  assertEquals(usd(-0.0042), "−$0.0042");
  assertEquals(usd(-3), "−$3.00");
});

Deno.test("no dollar figure carries more than two significant digits below a cent", () => {
  for (let n = 0.0001; n < 0.01; n *= 1.37) {
    const shown = usd(n).replace("$", "").replace(/^0\.0*/, "");
    assertEquals(shown.length <= 2, true, `${n} shown as ${usd(n)}`);
  }
});

Deno.test("signed dollars mark a rise with a plus and a fall with a minus", () => {
  assertEquals([signedUsd(0.5), signedUsd(-0.5), signedUsd(0), signedUsd(null)], [
    "+$0.50",
    "−$0.50",
    "$0",
    "—",
  ]);
  assertEquals([signedUsd(0.00000042), signedUsd(-0.00000042)], ["≈$0", "≈$0"]);
});

Deno.test("tool frames read as the tool and its MCP server; other frames keep their name", () => {
  assertEquals(frameLabel(["context", "tool schemas", "MCP github", "mcp__github__create_issue"]), {
    text: "create_issue · MCP github",
    tool: "create_issue",
    server: "github",
  });
  assertEquals(
    frameLabel(["context", "tool results", "mcp__linear__list_issues"]).text,
    "list_issues · MCP linear",
  );
  assertEquals(frameLabel(["context", "tool calls", "get_weather"]), {
    text: "get_weather",
    tool: "get_weather",
    server: null,
  });
  assertEquals(frameLabel(["context", "system prompt", "memory: CLAUDE.md"]).tool, null);
  assertEquals(frameLabel(["context", "tool schemas", "MCP github"]), {
    text: "MCP github",
    tool: null,
    server: "github",
  });
  assertEquals(frameLabel(["context", "tool schemas", "built-in tools", "Read"]).text, "Read");
  assertEquals(frameLabel(["context"]).text, "context");
});
