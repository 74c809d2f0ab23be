// `lockscope patch`: which deadlocks a patch introduces or fixes. The files
// it touches, and their directory neighbours (so that cross-file cycles
// show), are analysed before and after the patch, in memory; findings are
// matched by what they are (rule, locks, functions), not where they sit,
// since the patch moves lines. Nothing is ever written to the user's tree.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AnalysisResult, AnalyzeOptions, SourceFile } from '../engine/api';
import { isCFile } from '../engine/files';
import type { Finding } from '../report/finding';
import { findingToJson, JSON_FORMAT_VERSION } from '../report/json';
import { renderSarif } from '../report/sarif';
import { renderScenario } from '../report/scenario';
import { countByRule, renderFindingText } from '../report/text';
import { VERSION } from '../cli/main';
import { analyzeSources } from '../engine/analyze';
import { ConfigError, loadConfig, type Config } from '../config/config';
import { applyPatch } from './apply';
import { parsePatch } from './parse';
import { reversePatch, touchedFiles } from './transform';
import { isPatchError, PatchError, type ParsedPatch, type SkippedFileDiff } from './types';

export interface PatchCommandArgs {
  /** The patch text (format-patch series, git diff or plain diff). */
  patch: string;
  /** Name of the patch for messages: a file name, `-` for stdin, or the git revision. */
  source: string;
  /** Tree the patch applies to (or is already applied in). */
  root: string;
  format: 'text' | 'json' | 'sarif';
  /** Also compare unconfirmed candidates. */
  all?: boolean;
  /** `--config FILE`; default `.lockscope.json` at the root. */
  configFile?: string;
}

export interface PatchCommandIO {
  stdout(text: string): void;
  stderr(text: string): void;
}

export type AnalyzeSources = (files: SourceFile[], opts: AnalyzeOptions & { config?: unknown }) => Promise<AnalysisResult>;

export const EXIT_CLEAN = 0;
export const EXIT_INTRODUCED = 1;
export const EXIT_BAD_INPUT = 2;

/** What the patch changes about the findings. */
export interface FindingDelta {
  introduced: Finding[];
  fixed: Finding[];
  unchanged: number;
}

/** What checkPatch needs: the patch, its name, the tree, and how to analyse. */
export interface CheckPatchArgs {
  patch: string;
  source: string;
  root: string;
  all?: boolean;
  configFile?: string;
  /**
   * The tree already has the patch (the working tree against HEAD): compare
   * with the tree with it reversed, without trying it forward first.
   * Default: detect (forward first, then reversed).
   */
  applied?: boolean;
}

/** Before/after analyses of a patch and what it changes about the findings. */
export interface PatchCheck {
  delta: FindingDelta;
  before: AnalysisResult;
  after: AnalysisResult;
  /** The file contents each analysis saw (relative paths; undefined: absent). */
  versions: PatchedVersions;
}

/**
 * Parse the patch, apply it in memory to the tree at `root` (or reverse it
 * when the tree already has it), analyse both versions and compare. A
 * PatchError (one line) when the patch, the tree or the configuration
 * cannot be read; an engine failure throws.
 */
export async function checkPatch(
  args: CheckPatchArgs,
  analyze: AnalyzeSources = analyzeSources as AnalyzeSources,
): Promise<PatchCheck | PatchError> {
  const patch = parsePatch(args.patch, args.source);
  if (isPatchError(patch)) return patch;
  let config: Config;
  try {
    config = loadConfig(args.root, args.configFile);
  } catch (error) {
    if (error instanceof ConfigError) return new PatchError(error.message);
    throw error;
  }
  const tree = new TreeReader(args.root);
  const versions = patchedVersions(tree, patch, args.applied === true);
  if (isPatchError(versions)) return versions;

  const analysed = filesToAnalyse(tree, touchedFiles(patch));
  const options = { all: args.all === true, config };
  const before = await analyze(sourcesOf(analysed, versions.before), options);
  const after = await analyze(sourcesOf(analysed, versions.after), options);
  return { delta: compareFindings(before.findings, after.findings), before, after, versions };
}

/**
 * Exit 1 when the patch introduces a finding, 0 when not, 2 when the patch,
 * the tree or the configuration cannot be read. `analyze` is the engine's
 * analyzeSources; tests pass a stand-in.
 */
export async function runPatchCommand(
  args: PatchCommandArgs,
  io: PatchCommandIO,
  analyze: AnalyzeSources = analyzeSources as AnalyzeSources,
): Promise<number> {
  // An engine failure is not bad input: it propagates to the CLI's internal-error exit.
  const checked = await checkPatch(args, analyze);
  if (isPatchError(checked)) {
    io.stderr(`lockscope patch: ${checked.message}\n`);
    return EXIT_BAD_INPUT;
  }
  const { delta, after, versions } = checked;
  const summary: PatchSummary = {
    source: args.source, root: args.root, alreadyApplied: versions.alreadyApplied, skipped: versions.skipped, after,
  };
  io.stdout(render(args.format, delta, summary));
  return delta.introduced.length > 0 ? EXIT_INTRODUCED : EXIT_CLEAN;
}

/** Reads files of the user's tree, relative to its root, never outside it, never writing. */
class TreeReader {
  private readonly cache = new Map<string, string | undefined>();

  constructor(private readonly root: string) {}

  read = (file: string): string | undefined => {
    if (!this.cache.has(file)) this.cache.set(file, this.load(file));
    return this.cache.get(file);
  };

  /** Names of the C files in directory `dir` (relative, `/`-separated), none when it does not exist. */
  cFilesIn(dir: string): string[] {
    const full = this.resolve(dir === '' ? '.' : dir);
    if (full === undefined) return [];
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(full, { withFileTypes: true });
    } catch {
      return [];
    }
    return entries
      .filter((entry) => entry.isFile() && isCFile(entry.name))
      .map((entry) => (dir === '' ? entry.name : `${dir}/${entry.name}`))
      .sort();
  }

  private load(file: string): string | undefined {
    const full = this.resolve(file);
    if (full === undefined) return undefined;
    try {
      return fs.statSync(full).isFile() ? fs.readFileSync(full, 'utf8') : undefined;
    } catch {
      return undefined;
    }
  }

  private resolve(file: string): string | undefined {
    const full = path.resolve(this.root, file);
    const relative = path.relative(path.resolve(this.root), full);
    return relative.startsWith('..') || path.isAbsolute(relative) ? undefined : full;
  }
}

export type ReadFile = (file: string) => string | undefined;

export interface PatchedVersions {
  before: ReadFile;
  after: ReadFile;
  /** The tree already has the patch (the usual case right after `git commit`): before is the tree with it reversed. */
  alreadyApplied: boolean;
  skipped: SkippedFileDiff[];
}

function patchedVersions(tree: TreeReader, patch: ParsedPatch, applied: boolean): PatchedVersions | PatchError {
  if (applied) {
    const backward = applyPatch(tree.read, reversePatch(patch));
    if (isPatchError(backward)) return backward;
    return { before: withChanges(tree.read, backward.after), after: tree.read, alreadyApplied: true, skipped: backward.skipped };
  }
  const forward = applyPatch(tree.read, patch);
  if (!isPatchError(forward)) {
    return { before: tree.read, after: withChanges(tree.read, forward.after), alreadyApplied: false, skipped: forward.skipped };
  }
  const backward = applyPatch(tree.read, reversePatch(patch));
  if (!isPatchError(backward)) {
    return { before: withChanges(tree.read, backward.after), after: tree.read, alreadyApplied: true, skipped: backward.skipped };
  }
  // Neither way fits: what is wrong is best told in the patch's own direction.
  return forward;
}

function withChanges(read: ReadFile, changes: ReadonlyMap<string, string | null>): ReadFile {
  return (file) => (changes.has(file) ? changes.get(file) ?? undefined : read(file));
}

/** The C files the patch touches and the C files beside them on disk, sorted. */
function filesToAnalyse(tree: TreeReader, touched: readonly string[]): string[] {
  const touchedC = touched.filter((file) => isCFile(file));
  const directories = new Set(touchedC.map((file) => path.posix.dirname(file)).map((dir) => (dir === '.' ? '' : dir)));
  const files = new Set(touchedC);
  for (const dir of directories) for (const file of tree.cFilesIn(dir)) files.add(file);
  return [...files].sort();
}

function sourcesOf(files: readonly string[], read: ReadFile): SourceFile[] {
  const sources: SourceFile[] = [];
  for (const file of files) {
    const text = read(file);
    if (text !== undefined) sources.push({ file, text });
  }
  return sources;
}

/** What a finding is, independent of where: rule, lock classes and functions. */
export function findingIdentity(finding: Finding): string {
  const sorted = (items: readonly string[]) => [...items].sort().join(',');
  return `${finding.rule}|${sorted(finding.locks)}|${sorted(finding.functions)}`;
}

export function compareFindings(before: readonly Finding[], after: readonly Finding[]): FindingDelta {
  const index = (findings: readonly Finding[]) => {
    const byIdentity = new Map<string, Finding>();
    for (const finding of findings) {
      if (finding.suppressed) continue;
      const identity = findingIdentity(finding);
      if (!byIdentity.has(identity)) byIdentity.set(identity, finding);
    }
    return byIdentity;
  };
  const beforeById = index(before);
  const afterById = index(after);
  const introduced = [...afterById].filter(([identity]) => !beforeById.has(identity)).map(([, finding]) => finding);
  const fixed = [...beforeById].filter(([identity]) => !afterById.has(identity)).map(([, finding]) => finding);
  return { introduced, fixed, unchanged: afterById.size - introduced.length };
}

interface PatchSummary {
  source: string;
  root: string;
  alreadyApplied: boolean;
  skipped: SkippedFileDiff[];
  /** The analysis of the patched version, for the SARIF run. */
  after: AnalysisResult;
}

function render(format: PatchCommandArgs['format'], delta: FindingDelta, summary: PatchSummary): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify({
        version: JSON_FORMAT_VERSION,
        introduced: delta.introduced.map(findingToJson),
        fixed: delta.fixed.map(findingToJson),
        unchanged: delta.unchanged,
      }, null, 2)}\n`;
    case 'sarif':
      // Code scanning wants what the patch adds: the introduced findings are the results.
      return renderSarif({ ...summary.after, findings: delta.introduced }, VERSION);
    case 'text':
      return renderPatchText(delta, summary);
  }
}

function renderPatchText(delta: FindingDelta, summary: PatchSummary): string {
  const out: string[] = [];
  for (const skip of summary.skipped) out.push(`lockscope patch: skipped ${skip.file}: ${skip.reason}`);
  if (summary.alreadyApplied) {
    out.push(`lockscope patch: ${summary.source} is already applied in ${summary.root}: compared with the tree before it`);
  }
  for (const finding of delta.introduced) {
    out.push(`introduced: ${renderFindingText(finding)}`);
    if (finding.witness && finding.witness.length > 0) out.push(indent(renderScenario(finding.witness, { relativeTo: summary.root })));
  }
  for (const finding of delta.fixed) out.push(`fixed: ${renderFindingText(finding)}`);
  out.push(`${summary.source}: ${delta.introduced.length} introduced${countByRule(delta.introduced)}, ` +
    `${delta.fixed.length} fixed${countByRule(delta.fixed)}, ${delta.unchanged} unchanged`);
  return `${out.join('\n')}\n`;
}

function indent(text: string): string {
  return text.split('\n').map((line) => `    ${line}`).join('\n');
}
