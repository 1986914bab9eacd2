import meta from "../deno.json" with { type: "json" };

/** llmprof's version, as published in deno.json. */
export const VERSION: string = meta.version;
