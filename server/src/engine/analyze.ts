// The pipeline in one place: parse -> extract -> summarize -> graph -> check
// -> simulate -> report. Extraction is per file (and cacheable, and may run
// in workers); everything after it sees the whole program.
import type { FileFacts } from '../extract/ir';
import { extractSource, extractionFailure, type ExtractEnv } from '../extract/extract';
import { scanMacros } from '../extract/macros';
import { BUILTIN_OPS, BUILTIN_ROWS, PRIMITIVE_OPS, PRIMITIVE_ROWS, buildApiTable, holdsNothing, maySleep } from '../kernel-api/load';
import type { ApiTable, Context } from '../kernel-api/types';
import { defaultConfig, type Config } from '../config/config';
import { Program } from '../graph/link';
import type { StageCarry } from './reuse';
import { findEntries, inheritExitState, type EntryModel } from '../graph/entries';
import { lastStep, resolveCalls, summarize, type Summaries, type SummaryMemo } from '../summarize/summarize';
import { check, type Candidate } from '../check/check';
import { simulate } from '../simulate/index';
import { DEFAULT_BOUNDS, type SimBounds, type SimResult } from '../simulate/types';
import { configSuppression, inlineSuppression, MAX_REPORTED_DEPTH, toFinding } from '../report/build';
import type { Finding } from '../report/finding';
import {
  CancelledError, type AnalysisResult, type AnalyzeOptions, type LockSiteInfo, type OrderEdge, type SkippedFile,
  type SourceFile,
} from './api';

export type EngineOptions = AnalyzeOptions & {
  config?: Config;
  /** Memoized simulator verdicts by candidate program (the language server keeps one across edits). */
  simCache?: Map<string, SimResult>;
  /** Files read from the kernel tree's core for their summaries only: no entry points, no findings of their own. */
  coreFiles?: ReadonlySet<string>;
  /** The Xen hypervisor: nothing in it sleeps (its mutex_lock is a spinlock, its tasklet_kill spins). */
  hypervisor?: boolean;
  /** Also return every reported finding before suppression and de-duplication (`unfiltered`), for the run record. */
  keepUnfiltered?: boolean;
  /** Function summaries kept across analyses (the language server's), reused where nothing they depend on changed. */
  summaryMemo?: SummaryMemo;
  /** The program, call graph and entries of the analysis before, taken over where an edit left them standing (the language server's). */
  carry?: StageCarry;
};

export function apiTableFor(config: Config): ApiTable {
  if (config.knowledge === 'primitives') {
    return buildApiTable([...PRIMITIVE_ROWS, ...config.apiAdd], [...PRIMITIVE_OPS, ...config.ops], config.apiRemove);
  }
  return buildApiTable([...BUILTIN_ROWS, ...config.apiAdd], [...BUILTIN_OPS, ...config.ops], config.apiRemove);
}

/** Function-like macros of every given file (headers included) that wrap API calls. */
export function macroTable(files: readonly SourceFile[], api: ApiTable): Map<string, import('../extract/ir').MacroDef> {
  const macros = new Map<string, import('../extract/ir').MacroDef>();
  for (const f of files) for (const m of scanMacros(f.file, f.text, api)) if (!macros.has(m.name)) macros.set(m.name, m);
  return macros;
}

export async function analyzeSources(files: SourceFile[], opts: EngineOptions = {}): Promise<AnalysisResult> {
  const started = Date.now();
  const config = opts.config ?? defaultConfig();
  const api = apiTableFor(config);
  const env: ExtractEnv = { api, macros: macroTable(files, api) };
  const facts: FileFacts[] = [];
  const skipped: SkippedFile[] = [];
  for (const f of files) {
    if (opts.token?.isCancellationRequested) throw new CancelledError();
    try {
      facts.push(await extractSource(f.file, f.text, env));
    } catch (e) {
      skipped.push({ file: f.file, reason: extractionFailure(e) });
    }
  }
  const texts = new Map(files.map((f) => [f.file, f.text]));
  return analyzeFacts(facts, { ...opts, config }, (file) => texts.get(file), skipped, started);
}

/** Everything after extraction, from (possibly cached) facts. */
export function analyzeFacts(
  facts: FileFacts[], opts: EngineOptions, textOf: (file: string) => string | undefined,
  skipped: SkippedFile[] = [], started = Date.now(),
): AnalysisResult {
  const config = opts.config ?? defaultConfig();
  const api = apiTableFor(config);
  const initOnly = new Set(config.initOnly);
  if (initOnly.size > 0) for (const f of facts) for (const fn of f.functions) if (initOnly.has(fn.name)) fn.initOnly = true;

  const core = opts.coreFiles ?? new Set<string>();
  const trace = opts.trace ?? (() => {});
  const carried = opts.carry?.take(facts);
  const program = carried?.program ?? new Program(facts, core);
  trace('link', { functions: program.functions.length, reused: carried ? 1 : 0 });
  const graph = resolveCalls(program, opts.summaryMemo?.calls, carried);
  trace('calls', { pointerCalls: graph.pointerCalls.total });
  // The same program and call graph: the same entries.
  const model = carried && graph.components === carried.graph.components ? carried.model : findEntries(program, graph.calls, api, core);
  opts.carry?.keep(facts, program, graph, model);
  trace('entries', { entries: model.entries.length });
  // Only the entries' summaries are read after summarizing (check, lock-site contexts).
  // (With a memo, as in the language server, every summary is kept anyway.)
  const retain = opts.summaryMemo ? undefined : new Set(model.entries.map((e) => e.fn));
  // Without --all, facts deeper than the reported depth could only make held-back candidates.
  const maxDepth = opts.all ? undefined : MAX_REPORTED_DEPTH;
  const summaries = summarize(program, { token: opts.token, memo: opts.summaryMemo, graph, retain, maxDepth });
  inheritExitState(model, summaries);
  trace('summarize', { kept: summaries.byFn.size, orders: summaries.orders.length, waitsUnderLock: summaries.waitsUnderLock.length, recursions: summaries.recursions.length, lockSites: summaries.lockSites.size });
  const checkCuts = { cycleSearchesCut: 0, candidatesCut: 0 };
  const candidates = check(summaries, model, undefined, checkCuts, {
    maySleep: (name) => !opts.hypervisor && maySleep(api, name), holdsNothing: (name) => holdsNothing(api, name),
  });
  trace('check', { candidates: candidates.length });

  const bounds: SimBounds = { ...DEFAULT_BOUNDS, ...config.simulator, ...opts.bounds };
  const simStart = Date.now();
  let confirmed = 0;
  let dropped = 0;
  let atBound = 0;
  const findings: Finding[] = [];
  const linesOf = new Map<string, string[] | undefined>();
  const lines = (file: string): string[] | undefined => {
    if (!linesOf.has(file)) linesOf.set(file, textOf(file)?.split('\n'));
    return linesOf.get(file);
  };
  for (const c of candidates) {
    if (opts.token?.isCancellationRequested) throw new CancelledError();
    if (config.rules[c.rule] === 'off') continue;
    const result = opts.simulate === false ? undefined : simulateCached(c, bounds, opts);
    if (result?.kind === 'bound' && opts.token?.isCancellationRequested) throw new CancelledError();
    if (result?.kind === 'deadlock') confirmed++;
    else if (result?.kind === 'safe') dropped++;
    else if (result) atBound++;
    const finding = toFinding(c, result, config);
    if (!finding.confirmed && !opts.all) continue;
    if (core.has(finding.location.file)) continue; // the core's own business, not the analysed code's
    markSuppression(finding, lines(finding.location.file), config);
    findings.push(finding);
  }
  const simulateMs = Date.now() - simStart;
  const shown = presentFindings(findings, opts.showSuppressed === true);
  let edges: OrderEdge[] | undefined;
  let lockSites: LockSiteInfo[] | undefined;
  trace('simulate', { findings: shown.length });

  return {
    findings: shown,
    unfiltered: opts.keepUnfiltered ? findings : undefined,
    stats: {
      files: facts.length - core.size,
      functions: program.functions.filter((fn) => !core.has(fn.file)).length,
      lockSites: facts.reduce((n, f) => n + f.lockSites, 0),
      durationMs: Date.now() - started,
      candidates: candidates.length,
      confirmed, dropped, atBound, simulateMs,
      lockClasses: new Set([...summaries.lockSites.values()].map((x) => x.cls)).size,
      orderEdges: new Set(summaries.orders.map((o) => `${o.from}\0${o.to}`)).size,
      pointerCalls: summaries.pointerCalls,
      contexts: contextStats(program, model, core),
      cuts: { ...summaries.cuts, ...checkCuts },
    },
    skipped,
    facts,
    // For the editor's lock graph and hovers only: made when first read.
    get edges() {
      return (edges ??= orderEdges(summaries, candidates));
    },
    get lockSites() {
      return (lockSites ??= lockSiteInfo(summaries, model));
    },
  };
}

function simulateCached(c: Candidate, bounds: SimBounds, opts: EngineOptions): SimResult {
  if (!opts.simCache) return simulate(c.program, bounds, opts.token);
  const key = JSON.stringify([c.program, bounds.maxStates, bounds.cpus]);
  const hit = opts.simCache.get(key);
  if (hit) return hit;
  const result = simulate(c.program, bounds, opts.token);
  // A verdict cut short by time or cancellation may differ next time: not kept.
  if (result.kind !== 'bound') opts.simCache.set(key, result);
  return result;
}

/** How many functions run in a non-process context, and what says so (the source of the first such context). */
function contextStats(program: Program, model: EntryModel, core: ReadonlySet<string>): AnalysisResult['stats']['contexts'] {
  const bySource: Record<string, number> = {};
  let nonProcess = 0;
  let functions = 0;
  for (const fn of program.functions) {
    if (core.has(fn.file)) continue;
    functions++;
    const via = model.contexts.get(fn)?.[0]?.via;
    if (!via) continue;
    nonProcess++;
    const source = via.handlerId ? `registration (${via.what})` : via.why.startsWith('lockscope:') ? 'annotation' : 'ops table';
    bySource[source] = (bySource[source] ?? 0) + 1;
  }
  return { functions, nonProcess, bySource };
}

/** Sets `finding.suppressed` when an inline comment above its line, or a config entry, suppresses it. */
export function markSuppression(finding: Finding, lines: readonly string[] | undefined, config: Config): void {
  finding.suppressed = undefined;
  const inline = inlineSuppression(lines, finding.location.line, finding.rule);
  const byConfig = inline === undefined ? configSuppression(finding, config) : undefined;
  if (inline !== undefined) finding.suppressed = { by: 'comment', reason: inline };
  else if (byConfig !== undefined) finding.suppressed = { by: 'config', reason: byConfig };
}

/**
 * What the user sees of the reported findings: suppressed ones only when asked
 * for, a sleep already shown as a wait once, in file and line order. A
 * suppressed wait-under-lock hides nothing: its sleep-in-atomic twin stays.
 */
export function presentFindings(findings: readonly Finding[], showSuppressed: boolean): Finding[] {
  const shown = findings.filter((f) => showSuppressed || !f.suppressed);
  dropSleepsShownAsWaits(shown);
  return shown.sort(compareFindings);
}

/**
 * A sleeping wait under a spinning lock that the waited-for handler also takes
 * is one bug seen by two rules; the wait-under-lock finding says more (the
 * handler, both CPUs), so the sleep-in-atomic one at its site is not repeated.
 */
function dropSleepsShownAsWaits(findings: Finding[]): void {
  const at = (f: Finding): string => `${f.location.file}:${f.location.line}:${f.location.column}|${f.locks[0]}`;
  const waits = new Set(findings.filter((f) => f.rule === 'wait-under-lock').map(at));
  if (waits.size === 0) return;
  for (let i = findings.length - 1; i >= 0; i--) if (findings[i].rule === 'sleep-in-atomic' && waits.has(at(findings[i]))) findings.splice(i, 1);
}

function compareFindings(a: Finding, b: Finding): number {
  return a.location.file.localeCompare(b.location.file) || a.location.line - b.location.line
    || a.location.column - b.location.column || a.rule.localeCompare(b.rule) || a.id.localeCompare(b.id);
}

function orderEdges(summaries: Summaries, candidates: Candidate[]): OrderEdge[] {
  const inCycle = new Set<string>();
  for (const c of candidates) {
    if (c.rule !== 'lock-order-inversion') continue;
    c.locks.forEach((l, i) => inCycle.add(`${l}\0${c.locks[(i + 1) % c.locks.length]}`));
  }
  return summaries.orders.map((o) => ({
    from: o.from, to: o.to, fn: o.fn.name, site: o.toChain.step.site, heldAt: o.fromChain.step.site,
    inCycle: inCycle.has(`${o.from}\0${o.to}`) || undefined,
  }));
}

function lockSiteInfo(summaries: Summaries, model: EntryModel): LockSiteInfo[] {
  // Contexts per class: which entries take it, in which context.
  const byClass = new Map<string, Array<{ ctx: Context; fn: string; site: import('../extract/ir').Site }>>();
  for (const e of model.entries) {
    const s = summaries.byFn.get(e.fn);
    if (!s) continue;
    for (const a of s.acquires) {
      if (!('cls' in a.lock)) continue;
      const list = byClass.get(a.lock.cls) ?? [];
      if (list.length < 8 && !list.some((x) => x.ctx === e.ctx && x.fn === e.fn.name)) {
        list.push({ ctx: e.ctx, fn: e.fn.name, site: lastStep(a.chain).site });
      }
      byClass.set(a.lock.cls, list);
    }
  }
  return [...summaries.lockSites.values()].map((s) => ({
    site: s.site, cls: s.cls, api: s.api, fn: s.fn.name, held: [...s.held], contexts: byClass.get(s.cls) ?? [],
  }));
}
