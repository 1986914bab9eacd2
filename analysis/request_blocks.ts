import { type SplitText, toBlocks } from "../core/blocks.ts";
import { wholeText } from "../formats/blocks.ts";
import { formatOf } from "../formats/mod.ts";
import { isObject } from "../formats/segment.ts";
import type { TokenCounter } from "./tokenizer.ts";

/**
 * A request's text as content-addressed blocks, split the way its API's format splits it;
 * text that is not a JSON object (or of an API llmprof does not parse) is one block.
 * `body` is the parsed text when the caller has it already.
 */
export function splitRequest(
  api: string,
  text: string,
  options: { counter: TokenCounter; body?: unknown },
): SplitText {
  const format = formatOf(api);
  let body = options.body;
  if (body === undefined && format !== null) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  const pieces = format !== null && isObject(body)
    ? format.splitBlocks(text, body)
    : wholeText(text);
  return toBlocks(pieces, (t) => options.counter.count(t));
}
