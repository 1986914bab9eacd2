import { Function, Line, Location, Profile, Sample, StringTable, ValueType } from "pprof-format";
import type { Frame } from "./frames.ts";

/** Micro-dollars per US dollar: pprof values are integers, so cost is stored as µ$. */
export const MICRO_USD = 1_000_000;

/**
 * A gzipped pprof `profile.proto` of weighted stacks, with the sample types
 * `tokens/count` and `cost/usd` (micro-dollars). Each distinct frame path is one location.
 */
export async function toPprof(
  frames: readonly Frame[],
  options: { comment?: string } = {},
): Promise<Uint8Array> {
  const strings = new StringTable();
  const functions = new Map<string, Function>();
  const locations = new Map<string, Location>();
  const functionOf = (name: string): Function => {
    let fn = functions.get(name);
    if (!fn) {
      fn = new Function({
        id: functions.size + 1,
        name: strings.dedup(name),
        systemName: strings.dedup(name),
      });
      functions.set(name, fn);
    }
    return fn;
  };
  const locationOf = (path: readonly string[]): Location => {
    const key = JSON.stringify(path);
    let location = locations.get(key);
    if (!location) {
      location = new Location({
        id: locations.size + 1,
        line: [new Line({ functionId: functionOf(path.at(-1)!).id })],
      });
      locations.set(key, location);
    }
    return location;
  };
  const samples = frames.map((frame) => {
    const ids: number[] = [];
    for (let depth = frame.stack.length; depth > 0; depth--) {
      ids.push(Number(locationOf(frame.stack.slice(0, depth)).id));
    }
    return new Sample({
      locationId: ids,
      value: [frame.tokens, Math.round(frame.usd * MICRO_USD)],
    });
  });
  const profile = new Profile({
    sampleType: [
      new ValueType({ type: strings.dedup("tokens"), unit: strings.dedup("count") }),
      new ValueType({ type: strings.dedup("cost"), unit: strings.dedup("usd") }),
    ],
    sample: samples,
    location: [...locations.values()],
    function: [...functions.values()],
    comment: options.comment ? [strings.dedup(options.comment)] : [],
    defaultSampleType: strings.dedup("tokens"),
    stringTable: strings,
  });
  const raw = profile.encode();
  const gzipped = new Blob([raw as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(gzipped).arrayBuffer());
}
