import { parseArgs } from "node:util";
import {
  loadOverrides,
  type Overrides,
  type PriceTable,
  type Rate,
  resolvePrice,
} from "../pricing/mod.ts";
import { ConfigError } from "./config.ts";

function rate(value: Rate | undefined, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value === "number") return `$${value}`;
  return `$${value.base}, ${
    value.tiers.map((t) => `$${t.price} above ${t.start.toLocaleString("en")} prompt tokens`).join(
      ", ",
    )
  }`;
}

/** The text `llmprof prices` prints for one resolved table. */
export function describePrices(
  model: string,
  found: { prices: PriceTable; modelId: string; source: string },
): string {
  const p = found.prices;
  return [
    `${model} → ${found.modelId}`,
    `  source          ${found.source}`,
    `  per million tokens:`,
    `  input           ${rate(p.input_mtok, "—")}`,
    `  cached input    ${rate(p.cache_read_mtok, "same as input")}`,
    `  cache write 5m  ${rate(p.cache_write_mtok, "same as input")}`,
    `  cache write 1h  ${rate(p.cache_write_1h_mtok, "same as 5-minute write")}`,
    `  output          ${rate(p.output_mtok, "—")}  (reasoning tokens are billed as output)`,
  ].join("\n");
}

/** `llmprof prices <model> [--provider p] [--upstream url] [--pricing file]`: shows the prices llmprof will use. */
export async function prices(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        provider: { type: "string" },
        upstream: { type: "string" },
        pricing: { type: "string" },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new ConfigError(
      `${(error as Error).message}; usage: llmprof prices <model> [--provider openai|anthropic].`,
    );
  }
  const model = parsed.positionals[0];
  if (!model) throw new ConfigError("Name a model, as in: llmprof prices gpt-4o.");
  const file = parsed.values.pricing ?? env.LLMPROF_PRICING;
  const overrides: Overrides = file ? await loadOverrides(file) : {};
  const provider = parsed.values.provider ?? (model.startsWith("claude") ? "anthropic" : "openai");
  const found = resolvePrice(model, {
    provider,
    upstream: parsed.values.upstream ?? env.LLMPROF_UPSTREAM,
  }, overrides);
  if (!found) {
    console.error(
      `No price known for "${model}": its calls will show tokens but no cost. Add it to a --pricing file.`,
    );
    return 1;
  }
  console.log(describePrices(model, found));
  return 0;
}
