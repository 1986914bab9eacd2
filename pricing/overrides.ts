import type { PriceTable } from "./price_table.ts";

/** Price overrides by model id. */
export type Overrides = Record<string, PriceTable>;

/** A price-override file llmprof cannot use; the message names the key that is wrong. */
export class PricingError extends Error {
  override name = "PricingError";
}

const FIELDS: Record<string, keyof PriceTable> = {
  input: "input_mtok",
  output: "output_mtok",
  cache_read: "cache_read_mtok",
  cache_write: "cache_write_mtok",
  cache_write_1h: "cache_write_1h_mtok",
};

function price(model: string, field: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new PricingError(
      `Invalid price override "${model}": "${field}" must be a non-negative number, got ${
        JSON.stringify(value)
      }.`,
    );
  }
  return value;
}

/**
 * Reads the overrides file's JSON: `{"model": [input_per_1k, output_per_1k]}` or
 * `{"model": {"input": …, "output": …, "cache_read": …, "cache_write": …, "cache_write_1h": …}}`
 * in dollars per million tokens. Throws PricingError naming the key that is wrong.
 */
export function parseOverrides(json: unknown): Overrides {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new PricingError(
      'Price overrides must be a JSON object of models, as in {"my-model": [0.5, 1.5]}.',
    );
  }
  const out: Overrides = {};
  for (const [model, value] of Object.entries(json)) {
    if (Array.isArray(value)) {
      if (value.length !== 2) {
        throw new PricingError(
          `Invalid price override "${model}": the short form is [input_per_1k, output_per_1k].`,
        );
      }
      out[model] = {
        input_mtok: price(model, "input", value[0]) * 1000,
        output_mtok: price(model, "output", value[1]) * 1000,
      };
      continue;
    }
    if (typeof value !== "object" || value === null) {
      throw new PricingError(
        `Invalid price override "${model}": use [input_per_1k, output_per_1k] or an object of per-million prices.`,
      );
    }
    const table: Partial<PriceTable> = {};
    for (const [field, v] of Object.entries(value)) {
      const key = FIELDS[field];
      if (!key) {
        throw new PricingError(
          `Invalid price override "${model}": unknown field "${field}"; use ${
            Object.keys(FIELDS).join(", ")
          }.`,
        );
      }
      table[key] = price(model, field, v);
    }
    if (table.input_mtok === undefined || table.output_mtok === undefined) {
      throw new PricingError(
        `Invalid price override "${model}": "input" and "output" are required.`,
      );
    }
    out[model] = table as PriceTable;
  }
  return out;
}

/** Reads and parses an overrides file; throws PricingError with the file's name. */
export async function loadOverrides(path: string): Promise<Overrides> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new PricingError(`Cannot read price overrides "${path}": ${(error as Error).message}.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PricingError(
      `Cannot read price overrides "${path}": not valid JSON (${(error as Error).message}).`,
    );
  }
  try {
    return parseOverrides(json);
  } catch (error) {
    throw new PricingError(`${(error as Error).message.replace(/\.$/, "")} (in ${path}).`);
  }
}
