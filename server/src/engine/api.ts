// The engine's public surface, shared by the CLI, the language server, the
// patch checker and the benchmarks. Plain data in, plain data out; no editor
// protocol types (the LSP layer converts).
import type { FileFacts, Site } from '../extract/ir';
import type { Finding } from '../report/finding';
import type { SimBounds } from '../simulate/types';
import type { Context } from '../kernel-api/types';

export interface SourceFile {
  /** Path as the user names it (relative to the analysed root where there is one). */
  file: string;
  text: string;
}

/** Cooperative cancellation: long stages poll it and stop with CancelledError. */
export interface CancellationToken {
  readonly isCancellationRequested: boolean;
}

export class CancelledError extends Error {
  constructor() {
    super('analysis cancelled');
  }
}

export interface AnalyzeOptions {
  /** Run the simulator on candidates (default true). */
  simulate?: boolean;
  bounds?: Partial<SimBounds>;
  /** Keep unconfirmed candidates (`confirmed: false` with a reason). */
  all?: boolean;
  /** Keep suppressed findings, marked (`--show-suppressed`). */
  showSuppressed?: boolean;
  token?: CancellationToken;
  /** Told when each stage ends (`LOCKSCOPE_TRACE=1` prints these): its name, and what it counted. */
  trace?: (stage: string, info?: Record<string, number>) => void;
}

/** A file the engine did not analyse, with why (too large, binary, not C ...). */
export interface SkippedFile {
  file: string;
  reason: string;
}

export interface AnalysisStats {
  files: number;
  functions: number;
  lockSites: number;
  durationMs: number;
  candidates: number;
  confirmed: number;
  dropped: number;
  atBound: number;
  simulateMs: number;
  /** Distinct lock classes taken anywhere, and held-while-taking edges between them. */
  lockClasses: number;
  orderEdges: number;
  /** Calls through function-pointer fields, and how many resolved to at least one bound target. */
  pointerCalls: { total: number; resolved: number };
  /** Functions given a non-process context, by what gave it (registration, ops table, annotation). */
  contexts: { functions: number; nonProcess: number; bySource: Record<string, number> };
  /** What the analysis bounds cut (all zero when nothing was). */
  cuts: {
    statesDropped: number; factsDropped: number; recursionUnconverged: number; cycleSearchesCut: number; candidatesCut: number;
    /** Acquisitions and waits not carried further up than the reported depth (kept with --all). */
    factsTooDeep: number;
  };
  /** Set when the result is the recorded one of an earlier run whose files all still have the same facts. */
  reused?: { recordedAt: string };
}

/** One edge of the lock order graph: `from` held while `to` acquired, with where. */
export interface OrderEdge {
  from: string;
  to: string;
  fn: string;
  /** Site where `to` is acquired (through calls: the outermost call site in fn). */
  site: Site;
  heldAt: Site;
  inCycle?: boolean;
}

/** What the editor needs about one lock call for hover. */
export interface LockSiteInfo {
  site: Site;
  cls: string;
  api: string;
  fn: string;
  /** Classes held when this one is taken. */
  held: string[];
  /** Contexts in which the class is taken anywhere in the analysed code. */
  contexts: Array<{ ctx: Context; fn: string; site: Site }>;
}

export interface AnalysisResult {
  findings: Finding[];
  stats: AnalysisStats;
  skipped: SkippedFile[];
  facts: FileFacts[];
  /** Lock order graph of the whole analysed program. */
  edges: OrderEdge[];
  /** Every resolved lock call, for hover. */
  lockSites: LockSiteInfo[];
  /** Findings before suppression and de-duplication (EngineOptions.keepUnfiltered). */
  unfiltered?: Finding[];
}
