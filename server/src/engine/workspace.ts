// A long-lived analysis of a set of files, for the language server: per-file
// facts are kept by content hash, so an edit re-extracts one file (from the
// editor's incrementally re-parsed tree when it hands one over); the macro
// table is rebuilt only when a header's wrappers change; simulator verdicts
// are memoized by the candidate's program, so unchanged candidates are not
// searched again.
import type { Tree } from '../syntax/parser';
import { getParser } from '../syntax/parser';
import type { FileFacts, MacroDef } from '../extract/ir';
import { findXenRoot } from './tree';
import { contentHash, extractSource, extractionFailure, extractTree, type ExtractEnv } from '../extract/extract';
import { scanMacros } from '../extract/macros';
import { defaultConfig, type Config } from '../config/config';
import type { ApiTable } from '../kernel-api/types';
import type { SimResult } from '../simulate/types';
import { forgetFunctions, newSummaryMemo, type SummaryMemo } from '../summarize/summarize';
import { StageCarry } from './reuse';
import { analyzeFacts, apiTableFor } from './analyze';
import type { AnalysisResult, AnalyzeOptions, SkippedFile } from './api';

interface FileEntry {
  text: string;
  hash: string;
  facts?: FileFacts;
  /** The macro table generation the facts were extracted with. */
  macroGen?: number;
  /** Header wrappers, when the file is a header. */
  macros?: MacroDef[];
  error?: string;
}

/** Simulator verdicts kept at most; the oldest are dropped first. */
const SIM_CACHE_MAX = 5_000;

export class Workspace {
  private readonly files = new Map<string, FileEntry>();
  private config: Config;
  private api: ApiTable;
  private macros: ReadonlyMap<string, MacroDef> = new Map();
  private macroGen = 0;
  private macroKey = '';
  /** A header was set or removed since the macro table was built (only headers' wrappers make it). */
  private headersChanged = true;
  private readonly simCache = new Map<string, SimResult>();
  private summaryMemo: SummaryMemo = newSummaryMemo();
  private carry = new StageCarry();

  /** The workspace is a Xen hypervisor tree: nothing in it sleeps (as `lockscope check` decides for its paths). */
  private readonly hypervisor: boolean;

  constructor(readonly opts: { root?: string; config?: Config } = {}) {
    this.config = opts.config ?? defaultConfig();
    this.api = apiTableFor(this.config);
    this.hypervisor = opts.root !== undefined && findXenRoot([opts.root]) !== undefined;
  }

  setConfig(config: Config): void {
    this.config = config;
    this.api = apiTableFor(config);
    this.macroKey = '';
    this.headersChanged = true;
    for (const e of this.files.values()) e.facts = undefined;
    this.simCache.clear();
    this.summaryMemo = newSummaryMemo();
    this.carry = new StageCarry();
  }

  /**
   * The file's new text. With a tree (already parsed from exactly this text),
   * facts are extracted now and the tree is not kept: the caller owns it.
   */
  setFile(file: string, text: string, tree?: Tree): void {
    const hash = contentHash(text);
    const prev = this.files.get(file);
    if (prev && prev.hash === hash && (prev.facts || !tree)) return;
    const entry: FileEntry = { text, hash };
    if (file.endsWith('.h')) {
      entry.macros = scanMacros(file, text, this.api);
      this.headersChanged = true;
    }
    this.files.set(file, entry);
    // An edit: the functions it did not touch keep their IR (and their memoized summaries).
    if (tree) this.extractFrom(file, entry, tree, prev?.macroGen === this.macroGen ? prev.facts : undefined);
    else this.carry.invalidate();
  }

  removeFile(file: string): void {
    if (!this.files.delete(file)) return;
    this.carry.invalidate();
    if (file.endsWith('.h')) this.headersChanged = true;
  }

  hasFile(file: string): boolean {
    return this.files.has(file);
  }

  get size(): number {
    return this.files.size;
  }

  textOf(file: string): string | undefined {
    return this.files.get(file)?.text;
  }

  async analyze(opts: AnalyzeOptions = {}): Promise<AnalysisResult> {
    const started = Date.now();
    await getParser();
    this.refreshMacros();
    const skipped: SkippedFile[] = [];
    const facts: FileFacts[] = [];
    for (const [file, entry] of this.files) {
      if (!entry.facts || entry.macroGen !== this.macroGen) {
        try {
          entry.facts = await extractSource(file, entry.text, this.env());
          entry.macroGen = this.macroGen;
          entry.error = undefined;
        } catch (e) {
          entry.facts = undefined;
          entry.error = extractionFailure(e);
        }
      }
      if (entry.facts) facts.push(entry.facts);
      else if (entry.error) skipped.push({ file, reason: entry.error });
    }
    const result = analyzeFacts(facts, {
      ...opts, config: this.config, simCache: this.simCache, summaryMemo: this.summaryMemo, carry: this.carry, hypervisor: this.hypervisor,
    }, (f) => this.textOf(f), skipped, started);
    while (this.simCache.size > SIM_CACHE_MAX) this.simCache.delete(this.simCache.keys().next().value as string);
    return result;
  }

  private env(): ExtractEnv {
    return { api: this.api, macros: this.macros };
  }

  private extractFrom(file: string, entry: FileEntry, tree: Tree, previous?: FileFacts): void {
    this.refreshMacros();
    try {
      entry.facts = extractTree(tree, file, entry.text, this.env(), { previous });
      entry.macroGen = this.macroGen;
      // The rebuilt functions keep their objects: what is memoized for them is of their old IR.
      forgetFunctions(this.summaryMemo, this.carry.edited(entry.facts, previous));
    } catch (e) {
      entry.facts = undefined;
      entry.error = extractionFailure(e);
      this.carry.invalidate();
    }
  }

  /** Rebuild the macro table when the headers' wrappers changed; facts extracted with the old one are stale. */
  private refreshMacros(): void {
    if (!this.headersChanged) return;
    this.headersChanged = false;
    const defs: MacroDef[] = [];
    for (const e of this.files.values()) if (e.macros) defs.push(...e.macros);
    const key = defs.map((m) => `${m.name}(${m.params.join(',')})${m.body}`).join('\n');
    if (key === this.macroKey) return;
    this.macroKey = key;
    const table = new Map<string, MacroDef>();
    for (const m of defs) if (!table.has(m.name)) table.set(m.name, m);
    this.macros = table;
    this.macroGen++;
  }
}
