// The run record: what the last `lockscope check` of the same paths, options
// and build found, and the files it read (size, mtime, content hash). A later
// run whose files all still have the same facts answers from it instead of
// loading, linking and summarizing the whole program again.
//
// "Same facts" is decided per file, without trusting names or times alone:
// - size and mtime as recorded (and not within the clock's granularity of the
//   record): the file is the one read then;
// - else the content hash as recorded: the file was touched, not changed;
// - else the recorded facts (still in the facts cache under the old hash) and
//   the new facts (cache or extraction) are compared with their hashes blanked:
//   a change in a comment or in whitespace inside a line leaves them equal.
// Inline suppressions are comments, so the findings of changed files are
// suppressed again from their new text. Anything else (a file added, removed,
// skipped, its facts changed, a core file changed, too many changes) runs the
// whole analysis, which writes a new record. Records live in the cache
// directory, never in the user's tree, one small JSON file per key.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Config } from '../config/config';
import type { FileFacts, MacroDef } from '../extract/ir';
import { contentHash, extractSource } from '../extract/extract';
import type { ApiTable } from '../kernel-api/types';
import type { Finding } from '../report/finding';
import type { AnalysisResult, SkippedFile } from './api';
import { FactsCache, engineVersion, fingerprintOf } from './cache';
import { readSource, type SourceEntry } from './files';
import { markSuppression, presentFindings } from './analyze';

const RECORD_FORMAT = 1;
/** More changed files than this: a whole run is as quick as comparing them one by one. */
const MAX_CHANGED = 64;
/** mtime closer than this to the record's time may hide a later write in the same tick: the hash decides. */
const MTIME_SLACK_MS = 2_000;

export interface RecordedFile {
  file: string;
  size: number;
  mtimeMs: number;
  /** Content hash the facts were extracted from; absent for a file the run skipped. */
  hash?: string;
}

export interface RunRecord {
  format: number;
  key: string;
  writtenAt: number;
  files: RecordedFile[];
  /** Core files read for summaries (absolute paths). */
  core: RecordedFile[];
  /** The extraction environment's macros and fingerprint (to extract a changed file as the run did). */
  macros: MacroDef[];
  fingerprint: string;
  /** Every reported finding before suppression (AnalysisResult.unfiltered). */
  findings: Finding[];
  stats: AnalysisResult['stats'];
  skipped: SkippedFile[];
}

export interface RecordScope {
  cacheDir: string;
  /** Paths, options and configuration that decide the result. */
  inputs: unknown;
}

/**
 * A version of every compiled engine module (not only extraction's): a
 * record from another build of the checker is another result.
 */
let analysisVersionMemo: string | undefined;
export function analysisVersion(): string {
  if (analysisVersionMemo) return analysisVersionMemo;
  const h = crypto.createHash('sha256').update(engineVersion());
  const srcRoot = path.resolve(__dirname, '..');
  const walk = (dir: string): void => {
    let names: fs.Dirent[] = [];
    try { names = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1)); } catch { return; }
    for (const d of names) {
      const abs = path.join(dir, d.name);
      if (d.isDirectory()) walk(abs);
      else if (d.name.endsWith('.js')) {
        h.update(`${path.relative(srcRoot, abs)}\0`);
        try { h.update(fs.readFileSync(abs)); } catch { /* name only */ }
      }
    }
  };
  walk(srcRoot);
  analysisVersionMemo = h.digest('hex').slice(0, 16);
  return analysisVersionMemo;
}

function recordPath(scope: RecordScope): { key: string; file: string } {
  const key = fingerprintOf({ version: analysisVersion(), inputs: scope.inputs });
  return { key, file: path.join(scope.cacheDir, `runs-v${RECORD_FORMAT}`, `${key}.json`) };
}

function statOf(abs: string): { size: number; mtimeMs: number } | undefined {
  try {
    const st = fs.statSync(abs);
    return { size: st.size, mtimeMs: st.mtimeMs };
  } catch {
    return undefined;
  }
}

function unchangedStat(r: RecordedFile, st: { size: number; mtimeMs: number } | undefined, writtenAt: number): boolean {
  return st !== undefined && st.size === r.size && st.mtimeMs === r.mtimeMs && writtenAt - r.mtimeMs > MTIME_SLACK_MS;
}

/** Facts JSON with its content hash blanked: equal texts mean equal facts for the same file. */
function blankHash(json: string, hash: string): string {
  return json.split(hash).join('');
}

export interface Reused {
  result: AnalysisResult;
  /** Files whose content changed but whose facts did not. */
  changed: string[];
}

/**
 * The recorded result when every file still has the recorded facts, else
 * undefined (and the caller runs the analysis). Never throws.
 */
export async function reuseRun(
  scope: RecordScope, files: readonly SourceEntry[], config: Config, api: ApiTable, showSuppressed: boolean,
): Promise<Reused | undefined> {
  try {
    return await reuse(scope, files, config, api, showSuppressed);
  } catch {
    return undefined;
  }
}

async function reuse(
  scope: RecordScope, files: readonly SourceEntry[], config: Config, api: ApiTable, showSuppressed: boolean,
): Promise<Reused | undefined> {
  const started = Date.now();
  const { key, file: recordFile } = recordPath(scope);
  let record: RunRecord;
  try {
    record = JSON.parse(fs.readFileSync(recordFile, 'utf8')) as RunRecord;
  } catch {
    return undefined;
  }
  if (record.format !== RECORD_FORMAT || record.key !== key || record.files.length !== files.length) return undefined;
  for (const c of record.core) if (!unchangedStat(c, statOf(c.file), record.writtenAt)) return undefined;

  const byName = new Map(files.map((f) => [f.file, f]));
  const stale: Array<{ r: RecordedFile; f: SourceEntry; st: { size: number; mtimeMs: number } }> = [];
  for (const r of record.files) {
    const f = byName.get(r.file);
    if (!f) return undefined;
    const st = statOf(f.abs);
    if (!st) return undefined;
    if (!unchangedStat(r, st, record.writtenAt)) {
      stale.push({ r, f, st });
      if (stale.length > MAX_CHANGED) return undefined;
    }
  }

  const facts = new FactsCache({ dir: scope.cacheDir, fingerprint: record.fingerprint });
  const env = { api, macros: new Map(record.macros.map((m) => [m.name, m])) };
  const changed: string[] = [];
  const texts = new Map<string, string>();
  for (const { r, f, st } of stale) {
    if (r.hash === undefined) return undefined; // skipped last time: whether it still is needs the run
    const source = readSource(f.abs);
    if ('skipped' in source) return undefined;
    const hash = contentHash(source.text);
    r.size = st.size;
    r.mtimeMs = st.mtimeMs;
    if (hash === r.hash) continue;
    const before = facts.lookupText(f.file, r.hash).text;
    if (before === undefined) return undefined;
    let after = facts.lookupText(f.file, hash).text;
    if (after === undefined) {
      const extracted: FileFacts = await extractSource(f.file, source.text, env);
      after = JSON.stringify(extracted);
      facts.putText(f.file, hash, after);
    }
    if (blankHash(before, r.hash) !== blankHash(after, hash)) return undefined;
    r.hash = hash;
    changed.push(f.file);
    texts.set(f.file, source.text);
  }

  // Same facts everywhere: the recorded findings stand; a changed file's comments may suppress differently now.
  for (const finding of record.findings) {
    const text = texts.get(finding.location.file);
    if (text !== undefined) markSuppression(finding, text.split('\n'), config);
  }
  if (stale.length > 0) writeRecord(recordFile, record);
  const result: AnalysisResult = {
    findings: presentFindings(record.findings, showSuppressed),
    stats: { ...record.stats, durationMs: Date.now() - started, reused: { recordedAt: new Date(record.writtenAt).toISOString() } },
    skipped: record.skipped,
    facts: [],
    edges: [],
    lockSites: [],
  };
  return { result, changed };
}

/** Records a whole run (its result must carry `unfiltered`). Never throws: a run without a record is only slower next time. */
export function recordRun(
  scope: RecordScope, files: readonly SourceEntry[], result: AnalysisResult, core: readonly string[],
  env: { macros: MacroDef[]; fingerprint: string }, startedAt: number,
): void {
  if (!result.unfiltered) return;
  try {
    const { key, file } = recordPath(scope);
    const hashOf = new Map(result.facts.map((f) => [f.file, f.hash]));
    const recorded = (file: string, abs: string): RecordedFile | undefined => {
      const st = statOf(abs);
      return st && { file, size: st.size, mtimeMs: st.mtimeMs, hash: hashOf.get(file) };
    };
    const list: RecordedFile[] = [];
    for (const f of files) {
      const r = recorded(f.file, f.abs);
      if (!r) return;
      list.push(r);
    }
    const coreList: RecordedFile[] = [];
    for (const c of core) {
      const r = recorded(c, c);
      if (!r) return;
      coreList.push(r);
    }
    writeRecord(file, {
      format: RECORD_FORMAT, key, writtenAt: startedAt, files: list, core: coreList, macros: env.macros,
      fingerprint: env.fingerprint, findings: result.unfiltered, stats: result.stats, skipped: result.skipped,
    });
  } catch {
    /* not recorded */
  }
}

/** Records not written for this long (other builds, other paths) are removed, as the facts cache prunes its namespaces. */
const RECORD_MAX_AGE_MS = 14 * 24 * 3600 * 1000;

function writeRecord(file: string, record: RunRecord): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(record));
  fs.renameSync(tmp, file);
  const now = Date.now();
  for (const name of fs.readdirSync(dir)) {
    const abs = path.join(dir, name);
    try {
      if (now - fs.statSync(abs).mtimeMs > RECORD_MAX_AGE_MS) fs.rmSync(abs, { force: true });
    } catch { /* another process's */ }
  }
}
