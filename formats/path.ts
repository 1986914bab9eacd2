/** What a request's path says about its model and streaming, for APIs that put them there. */
export interface PathFacts {
  /** Gemini and Vertex `…/models/M:verb`, or an Azure deployment `…/deployments/D/…`. */
  model: string | null;
  /** True for `:streamGenerateContent` and `:streamRawPredict`. */
  stream: boolean;
}

const MODEL_VERB = /\/models\/([^/:]+):([A-Za-z]+)$/;
const DEPLOYMENT = /\/deployments\/([^/]+)\//;

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The model and stream flag a request's path carries (Gemini, Vertex AI, Azure deployments). */
export function pathFacts(path: string): PathFacts {
  const verb = MODEL_VERB.exec(path);
  if (verb) return { model: decoded(verb[1]), stream: verb[2].startsWith("stream") };
  const deployment = DEPLOYMENT.exec(path);
  return { model: deployment ? decoded(deployment[1]) : null, stream: false };
}
