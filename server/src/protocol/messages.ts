// Custom messages between the lockscope language server and its clients.
// Types only (no runtime code, no LSP library imports): the VS Code client
// imports this file with `import type`, other editors read it as the spec.
// Positions here are LSP positions: 0-based line, UTF-16 character.
import type { JsonFinding } from '../report/json';

/** Server → client notification: indexing state and finding count for a status bar. */
export type StatusMethod = 'lockscope/status';

export type ServerState = 'starting' | 'indexing' | 'analyzing' | 'idle' | 'error';

export interface StatusParams {
  state: ServerState;
  /** Files with facts so far / files the index will read (0 when not indexing). */
  indexed: number;
  total: number;
  /** Files in the analysed set (open documents included). */
  files: number;
  /** Findings in the last completed analysis (suppressed ones excluded). */
  findings: number;
  /** Files left out because of the file cap (lockscope.scope.maxFiles). */
  capped?: number;
  /** Last analysis time in milliseconds. */
  durationMs?: number;
  message?: string;
}

/** A source location in a client's terms. */
export interface Loc {
  uri: string;
  /** The path as the engine names it (relative to the workspace folder when inside one). */
  file: string;
  line: number;
  character: number;
  endLine?: number;
  endCharacter?: number;
}

/** Commands the server executes (workspace/executeCommand). */
export type ExplainCommand = 'lockscope.server.explain';
export type LockGraphCommand = 'lockscope.server.lockGraph';
export type CheckPatchCommand = 'lockscope.server.checkPatch';
export type ServerCommand = ExplainCommand | LockGraphCommand | CheckPatchCommand;

/** Argument of lockscope.server.explain: a finding id, or the finding at (or nearest) a line. */
export type ExplainArgs = { findingId: string } | { uri: string; line: number };

export interface WitnessRow {
  /** 1-based step number in the interleaving. */
  step: number;
  cpu: number;
  ctx: string;
  action: string;
  lock?: string;
  handler?: string;
  fn: string;
  loc: Loc;
  blocked?: boolean;
  /** One-line rendering: "spin_lock_irq(port_user_lock)" style. */
  text: string;
}

export interface CycleEdge {
  from: string;
  to: string;
  /** What the edge means: "held while taking", "waits for handler", "interrupted by". */
  label: string;
  loc?: Loc;
}

export interface ExplainResult {
  findingId: string;
  rule: string;
  severity: string;
  confirmed: boolean;
  reason?: string;
  message: string;
  locks: string[];
  functions: string[];
  location: Loc;
  /** The path: every acquisition, call and wait, in order. */
  steps: Array<{ loc: Loc; message: string }>;
  /** CPUs of the witness, in column order. */
  cpus: Array<{ cpu: number; label: string }>;
  witness: WitnessRow[];
  /** The deadlock cycle as a graph to draw: nodes are locks or handlers. */
  cycle: { nodes: string[]; edges: CycleEdge[] };
  /** The whole explanation as Markdown (what editors without a webview show). */
  markdown: string;
}

export interface LockGraphResult {
  nodes: Array<{ id: string; inCycle: boolean; contexts: string[] }>;
  edges: Array<{
    from: string;
    to: string;
    inCycle: boolean;
    sites: Array<{ fn: string; loc: Loc }>;
  }>;
  /** Each cycle as its lock classes in order. */
  cycles: string[][];
}

/** `data` attached to every lockscope diagnostic. */
export interface DiagnosticData {
  findingId: string;
  rule: string;
}

/**
 * Argument of lockscope.server.checkPatch: a patch text (format-patch series,
 * git diff or plain diff), or the working tree's changes against HEAD
 * (`git diff HEAD` in `root`). `root` is the tree the patch applies to
 * (the workspace folder). Nothing is written to it.
 */
export interface CheckPatchArgs {
  patchText?: string;
  workingTree?: boolean;
  root: string;
  /** Name of the patch for messages (a file name); default "patch" or "working tree". */
  source?: string;
}

/** A finding in the JSON shape of `lockscope check --format json` (1-based line and column). */
export type PatchFindingJson = Omit<JsonFinding, 'suppressed'>;

export interface PatchFinding extends PatchFindingJson {
  /** The location in a client's terms. */
  loc: Loc;
  /**
   * Which version of the tree the lines refer to: `tree` (the files as they
   * are on disk), `patched` (the tree with the patch applied, in memory) or
   * `unpatched` (the tree with the patch reversed, in memory).
   */
  version: 'tree' | 'patched' | 'unpatched';
  /** The explanation from the patch's own analysis (what lockscope.server.explain returns). */
  explanation: ExplainResult;
}

export interface CheckPatchResult {
  /** The patch's name, as given or "working tree". */
  source: string;
  introduced: PatchFinding[];
  fixed: PatchFinding[];
  unchanged: number;
  /** The tree already had the patch: compared with the tree without it. */
  alreadyApplied?: boolean;
  /** File diffs not applied (binary), with why. */
  skipped?: Array<{ file: string; reason: string }>;
  /** One line: not a patch, a hunk that does not apply, not a git repository. Lists are empty then. */
  error?: string;
}
