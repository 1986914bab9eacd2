import type { Analysis } from "../analysis/analysis.ts";
import type { Privacy } from "../core/record.ts";
import type { StoredCall } from "../store/contract.ts";
import type { RecorderReport } from "./recorder.ts";

/** What the main thread posts to the store's thread besides store requests. */
export type StoreThreadMessage =
  /** The port an analysis worker posts its analyses on. */
  | { analysisPort: MessagePort }
  /** The proxy's records of calls just ended, held until their analyses replace them. */
  | { held: StoredCall[] }
  /** Calls whose analysis failed, as bare records. */
  | { failed: Analysis[] };

/** What the store's thread posts besides replies. */
export interface StoreThreadReport {
  report: RecorderReport;
}

/** How the recorder on the store's thread is started (its `startRecorder` request). */
export interface RecorderStart {
  privacy?: Privacy;
  flushMs?: number;
  records?: boolean;
}
