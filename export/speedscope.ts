import type { CallRecord } from "../core/record.ts";
import { callFrames } from "./frames.ts";

/** The speedscope file-format schema this writes. */
export const SPEEDSCOPE_SCHEMA = "https://www.speedscope.app/file-format-schema.json";

/** A speedscope file (https://www.speedscope.app/file-format-schema.json) of sampled profiles. */
export interface SpeedscopeFile {
  $schema: typeof SPEEDSCOPE_SCHEMA;
  shared: { frames: Array<{ name: string }> };
  profiles: Array<{
    type: "sampled";
    name: string;
    unit: "none";
    startValue: number;
    endValue: number;
    samples: number[][];
    weights: number[];
  }>;
  name: string;
  exporter: string;
  activeProfileIndex: number;
}

/** A speedscope file with one sampled profile per call, weighted in prompt and output tokens. */
export function toSpeedscope(
  records: readonly CallRecord[],
  options: { name: string; exporter: string },
): SpeedscopeFile {
  const frames: Array<{ name: string }> = [];
  const index = new Map<string, number>();
  const frameOf = (name: string): number => {
    let i = index.get(name);
    if (i === undefined) {
      i = frames.length;
      frames.push({ name });
      index.set(name, i);
    }
    return i;
  };
  const profiles = records.map((record) => {
    const stacks = callFrames(record);
    const weights = stacks.map((f) => f.tokens);
    const turn = record.session ? ` · turn ${record.session.turn}` : "";
    return {
      type: "sampled" as const,
      name: `${record.model ?? record.api} ${record.id}${turn}`,
      unit: "none" as const,
      startValue: 0,
      endValue: weights.reduce((a, b) => a + b, 0),
      samples: stacks.map((f) => f.stack.map(frameOf)),
      weights,
    };
  });
  return {
    $schema: SPEEDSCOPE_SCHEMA,
    shared: { frames },
    profiles,
    name: options.name,
    exporter: options.exporter,
    activeProfileIndex: 0,
  };
}
