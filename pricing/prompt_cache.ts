/**
 * What the providers' prompt caches share, as the findings rely on: OpenAI caches prompts
 * of at least 1,024 tokens in steps of 128 (as do most Anthropic models at their smallest
 * breakpoint), and both keep a prefix about 5 minutes by default.
 */
export const PROMPT_CACHE = { minTokens: 1_024, stepTokens: 128, ttlMs: 5 * 60_000 } as const;
