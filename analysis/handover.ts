import type { Analysis, CallFacts } from "./analysis.ts";
import { packedBuffers, type PackedOutline, packOutline, unpackOutline } from "./outline.ts";

/** An analysis as a worker posts it: its outline packed into bytes that are transferred. */
export type PostedAnalysis = Omit<Analysis, "facts"> & {
  facts: (Omit<CallFacts, "outline"> & { outline: PackedOutline }) | null;
};

/** Analyses ready to post from a worker, with the buffers to transfer rather than clone. */
export function forPosting(
  analyses: readonly Analysis[],
): { message: PostedAnalysis[]; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  const message = analyses.map((analysis): PostedAnalysis => {
    if (analysis.facts === null) return { ...analysis, facts: null };
    const outline = packOutline(analysis.facts.outline);
    transfer.push(...packedBuffers(outline));
    return { ...analysis, facts: { ...analysis.facts, outline } };
  });
  return { message, transfer };
}

/** The analyses a worker posted, as the main thread uses them. */
export function received(posted: readonly PostedAnalysis[]): Analysis[] {
  return posted.map((analysis): Analysis =>
    analysis.facts === null ? { ...analysis, facts: null } : {
      ...analysis,
      facts: { ...analysis.facts, outline: unpackOutline(analysis.facts.outline) },
    }
  );
}
