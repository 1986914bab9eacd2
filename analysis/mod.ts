/**
 * Analysis: parsing per API format, attribution, token counting, off the request path.
 * @module
 */
export { type Analysis, analyzeCall, type Counters, newCounters } from "./analyze.ts";
export { baseRecord } from "./base_record.ts";
export { AnalysisPool, type PoolOptions, type PoolStats } from "./pool.ts";
export * from "./record.ts";
export { encodingForModel, TokenCounter } from "./tokenizer.ts";
export { type ChainLookup, type ChainRequest, SessionChainer } from "./sessions.ts";
