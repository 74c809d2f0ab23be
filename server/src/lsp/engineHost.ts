// The language server's view of the engine: a set of files and an analysis
// over them. The real one is engine/workspace.ts's Workspace (per-file facts
// cached by content hash); tests may pass another.
import type { AnalysisResult, AnalyzeOptions, SourceFile } from '../engine/api';
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

type AnalyzeSources = (files: SourceFile[], opts: AnalyzeOptions & { config?: Config }) => Promise<AnalysisResult>;

/** Whole-program analysis of the current texts on every call (no per-file cache). */
class SourcesEngine implements WorkspaceLike {
  private readonly texts = new Map<string, string>();
  constructor(private readonly analyzeSources: AnalyzeSources, private readonly config: Config) {}
  setFile(file: string, text: string): void {
    this.texts.set(file, text);
  }
  removeFile(file: string): void {
    this.texts.delete(file);
  }
  analyze(opts: AnalyzeOptions = {}): Promise<AnalysisResult> {
    const files = [...this.texts].map(([file, text]) => ({ file, text }));
    return this.analyzeSources(files, { ...opts, config: this.config });
  }
}

function load<T>(id: string): T | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(id) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && String((e as Error).message).includes(id.slice(2))) return undefined;
    throw e;
  }
}

/** The engine's Workspace behind the EngineHost interface (analyzeSources while Workspace is absent). */
export const workspaceEngine: EngineFactory = (opts) => {
  const wsMod = load<{ Workspace: new (o: { root?: string; config?: Config }) => WorkspaceLike }>('../engine/workspace');
  let ws: WorkspaceLike;
  if (wsMod) ws = new wsMod.Workspace({ root: opts.root, config: opts.config });
  else {
    const an = load<{ analyzeSources: AnalyzeSources }>('../engine/analyze');
    if (!an) throw new Error('lockscope: engine not built (server/out/src/engine/analyze.js missing)');
    ws = new SourcesEngine(an.analyzeSources, opts.config);
  }
  return {
    setFile: (file, text, doc) => ws.setFile(file, text, doc?.tree),
    removeFile: (file) => ws.removeFile(file),
    analyze: (o) => ws.analyze(o),
  };
};
