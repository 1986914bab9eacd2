/**
 * Accessibility checks for the dashboard's browser tests: injects axe-core into a
 * Playwright page and fails on any serious or critical violation.
 * @module
 */
import axe from "axe-core";
import type { Page } from "playwright-core";

/** One axe finding as the failure message shows it. */
interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown; failureSummary?: string }>;
}

/**
 * Runs axe on the page as it is now and throws, naming each rule and element, when a
 * serious or critical violation is found. `label` names the page in the message.
 */
export async function assertAccessible(page: Page, label: string): Promise<void> {
  // Evaluated over the devtools protocol, so the page's CSP (no inline scripts) does not block it.
  if (!(await page.evaluate(() => "axe" in globalThis))) await page.evaluate(axe.source);
  const violations = await page.evaluate(async () => {
    const run = (globalThis as unknown as {
      axe: { run(context: Document, options: unknown): Promise<{ violations: Violation[] }> };
    }).axe.run;
    const result = await run(document, {
      resultTypes: ["violations"],
      runOnly: {
        type: "tag",
        values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
      },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => ({
        target: n.target,
        failureSummary: n.failureSummary,
      })),
    }));
  }) as Violation[];
  const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  if (bad.length > 0) {
    const lines = bad.map((v) =>
      `${v.impact} ${v.id} (${v.help}):\n` +
      v.nodes.map((n) => `    ${JSON.stringify(n.target)} ${n.failureSummary ?? ""}`).join("\n")
    );
    throw new Error(
      `axe found ${bad.length} serious or critical problems on ${label}:\n${lines.join("\n")}`,
    );
  }
}
