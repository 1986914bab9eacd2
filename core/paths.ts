/** Path prefix of llmprof's own pages, assets and API; every other path is proxied. */
export const LOCAL_PREFIX = "/_llmprof";
