/**
 * Analysis: the per-call work that runs in the analysis workers (attribution, token
 * counting, per-call findings, the prompt's outline and chain keys), off the request path.
 * @module
 */
export { type Analysis, bareAnalysis, type CallFacts } from "./analysis.ts";
export { analyzeCall, type AnalyzeOptions, type Counters, newCounters } from "./analyze.ts";
export { encodingForModel, TokenCounter } from "./tokenizer.ts";
