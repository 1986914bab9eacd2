/**
 * Content-addressed blocks: a request's text as an ordered list of pieces, each large piece
 * stored once by its hash, small glue (commas, brackets, keys) kept inline.
 * @module
 */
import { createHash } from "node:crypto";
import type { ComponentName } from "./record.ts";

/** A piece of a request's text as a wire format splits it; `kind` is null for glue between blocks. */
export interface TextPiece {
  text: string;
  kind: ComponentName | null;
  /** The tool, for a tool schema, call or result; the role or type otherwise. */
  label: string | null;
}

/** A stored block: one distinct piece of text, kept once by its hash. */
export interface Block {
  hash: string;
  text: string;
  kind: ComponentName | null;
  label: string | null;
  /** Tokens of the text the block carries (its JSON string values), counted as attribution counts text. */
  tokens: number;
}

/** A block without its text: what turn-to-turn diffs compare. */
export type BlockMeta = Omit<Block, "text">;

/** One entry of a call's block list: a block's hash, or `[text]` for glue kept inline. */
export type BlockRef = string | [string];

/** A text split into blocks: the refs in order and the blocks they name. */
export interface SplitText {
  refs: BlockRef[];
  blocks: Block[];
}

/** Pieces shorter than this stay inline in the ref list: storing them apart would cost more than it saves. */
export const MIN_BLOCK_CHARS = 48;

/** The hash a block is stored under: 96 bits of SHA-256, base64url. */
export function blockHash(text: string): string {
  return createHash("sha256").update(text).digest("base64url").slice(0, 16);
}

/** Turns pieces into refs and blocks; `tokens` counts a block's text, given with its hash. */
export function toBlocks(
  pieces: readonly TextPiece[],
  tokens: (text: string, hash: string) => number,
): SplitText {
  const refs: BlockRef[] = [];
  const blocks = new Map<string, Block>();
  let glue = "";
  for (const piece of pieces) {
    if (piece.text.length < MIN_BLOCK_CHARS) {
      glue += piece.text;
      continue;
    }
    if (glue) refs.push([glue]), glue = "";
    const hash = blockHash(piece.text);
    refs.push(hash);
    if (!blocks.has(hash)) {
      blocks.set(hash, {
        hash,
        text: piece.text,
        kind: piece.kind,
        label: piece.label,
        tokens: tokens(piece.text, hash),
      });
    }
  }
  if (glue) refs.push([glue]);
  return { refs, blocks: [...blocks.values()] };
}

/** The text a ref list stands for, given its blocks' texts by hash; throws when a block is missing. */
export function joinBlocks(refs: readonly BlockRef[], texts: ReadonlyMap<string, string>): string {
  let out = "";
  for (const ref of refs) {
    if (typeof ref !== "string") {
      out += ref[0];
      continue;
    }
    const text = texts.get(ref);
    if (text === undefined) throw new Error(`block ${ref} is missing from the store`);
    out += text;
  }
  return out;
}

/** The distinct block hashes a ref list names. */
export function refHashes(refs: readonly BlockRef[]): string[] {
  return [...new Set(refs.filter((r): r is string => typeof r === "string"))];
}
