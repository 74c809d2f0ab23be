// The language server's view of the engine: a set of files and an analysis
// over them. The real one is engine/workspace.ts's Workspace (per-file facts
// cached by content hash); tests may pass another.
import type { AnalysisResult, AnalyzeOptions } from '../engine/api';
import type { SourceDocument } from '../engine/document';
import type { Config } from '../config/config';

export interface EngineHost {
  /** Set a file's text; `doc` carries the already-parsed tree of an open document. */
  setFile(file: string, text: string, doc?: SourceDocument): void;
  removeFile(file: string): void;
  analyze(opts: AnalyzeOptions): Promise<AnalysisResult>;
}

export type EngineFactory = (opts: { root?: string; config: Config }) => EngineHost;

interface WorkspaceLike {
  setFile(file: string, text: string, tree?: unknown): void;
  removeFile(file: string): void;
  analyze(opts?: AnalyzeOptions): Promise<AnalysisResult>;
}

/** The engine's Workspace behind the EngineHost interface. */
export const workspaceEngine: EngineFactory = (opts) => {
  // Loaded lazily so the server module graph stays light until first use.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('../engine/workspace') as { Workspace: new (o: { root?: string; config?: Config }) => WorkspaceLike };
  const ws = new mod.Workspace({ root: opts.root, config: opts.config });
  return {
    setFile: (file, text, doc) => ws.setFile(file, text, doc?.tree),
    removeFile: (file) => ws.removeFile(file),
    analyze: (o) => ws.analyze(o),
  };
};
