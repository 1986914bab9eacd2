import type { TextPiece } from "../core/blocks.ts";
import type { Api } from "../core/call.ts";
import type { ParsedRequest } from "./segment.ts";
import type { ParsedResponse } from "./usage.ts";

/** A JSON object as parsed from a request body. */
export type Json = Record<string, unknown>;

/** What chaining reads from one request, in the format's own terms. */
export interface ChainParts {
  /** What the conversation runs in (system prompt, tools), hashed in its canonical form. */
  context: Json;
  /** The context's canonical shape: what two calls must share to chain. */
  contextShape(context: Json): unknown;
  /** The conversation's items (messages or input items) in order. */
  items: Json[];
  /** An item's canonical text: equal for rewrites that keep its meaning. */
  canonicalItem(item: Json): string;
  /** The system prompt as text, for the loose context. */
  system: string;
  /** The tool definitions as sent. */
  tools: unknown;
  /** Leading items that belong to the context (chat's system messages), left out of loose hashes. */
  skip: number;
}

/** A message of the request as text to show: its role and its parts. */
export interface ShownMessage {
  role: string;
  parts: string[];
}

/**
 * One provider wire format: everything llmprof knows about a request and response body
 * of one API. Adding an API means adding one file with one of these and one registry line.
 */
export interface WireFormat {
  /** The API this format speaks. */
  readonly api: Exclude<Api, "passthrough">;
  /** Whether the provider's own tokenizer is public, so counts can be exact for its models. */
  readonly countsExactly: boolean;
  /** Splits a request into segments for attribution; `encoding` picks per-token overheads. */
  parseRequest(body: unknown, encoding: string): ParsedRequest;
  /** Reads a response body (JSON or SSE) for its usage and a summary. */
  parseResponse(body: Uint8Array, sse: boolean): ParsedResponse;
  /** What chaining hashes: the context and the items. */
  chainParts(body: Json): ChainParts;
  /** The request's system prompt and messages as text, for the call page. */
  shownMessages(body: Json): ShownMessage[];
  /**
   * Splits a request's text (the parsed `body` is its JSON) into its natural blocks: the
   * system prompt, each tool schema, each message or content block, with the glue between
   * them; the pieces joined give back `text` exactly.
   */
  splitBlocks(text: string, body: Json): TextPiece[];
}
