// Runs every TypeScript guide in README.md against the fake upstream, through llmprof.
import readme from "../README.md" with { type: "text" };
import { assertEquals, assertStringIncludes } from "../testing/assert.ts";
import { withRig } from "./_harness.ts";

/** The README's TypeScript blocks marked `// guide: <name>`. */
export function guides(markdown: string): Array<{ name: string; code: string }> {
  const out: Array<{ name: string; code: string }> = [];
  for (const [, code] of markdown.matchAll(/```ts\n([\s\S]*?)```/g)) {
    const name = /^\/\/ guide: ([\w-]+)/m.exec(code)?.[1];
    if (name) out.push({ name, code });
  }
  return out;
}

const found = guides(readme);

Deno.test("the README has a runnable guide for each TypeScript client", () => {
  assertEquals(found.map((g) => g.name), [
    "openai-typescript",
    "anthropic-typescript",
    "vercel-ai-sdk",
    "google-genai",
    "azure-openai",
  ]);
});

for (const guide of found) {
  Deno.test(`the README's ${guide.name} guide works through llmprof`, () =>
    withRig(async ({ llmprof, nextRecord }) => {
      Deno.env.set("OPENAI_API_KEY", "sk-guide-test");
      Deno.env.set("ANTHROPIC_API_KEY", "sk-ant-guide-test");
      Deno.env.set("GEMINI_API_KEY", "AIza-guide-test");
      Deno.env.set("AZURE_OPENAI_API_KEY", "azure-guide-test");
      const dir = new URL("./.guides/", import.meta.url);
      await Deno.mkdir(dir, { recursive: true });
      const file = new URL(`${guide.name}-${crypto.randomUUID()}.ts`, dir);
      await Deno.writeTextFile(file, guide.code.replaceAll("http://127.0.0.1:4000", llmprof.url));
      const printed: string[] = [];
      const log = console.log;
      console.log = (...args: unknown[]) => printed.push(args.join(" "));
      try {
        await import(file.href);
      } finally {
        console.log = log;
        await Deno.remove(file);
      }
      assertStringIncludes(printed.join("\n"), "Hello from the fake upstream.");
      const { record } = await nextRecord();
      assertEquals(record.status, 200);
      assertEquals(record.attribution !== null, true, "the call was analysed");
    }, () => ({ analyse: true })));
}
