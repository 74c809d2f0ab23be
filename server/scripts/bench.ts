// npm run bench: whole-tree speed measured against the parser's floor.
//
// On one file set (drivers/ of linux-source-6.12 under /tmp by default) and
// one worker count, each run in its own child process so that peak RSS is
// its own (/usr/bin/time -v when present, else the child's maxRSS):
//   (a) floor:   bare tree-sitter parse of every file, nothing else;
//   (a') facts:  walk + pool + extraction + cache store, no later stages
//                (what the engine's per-file part costs above the floor);
//   (c') facts, warm: the same again, every file a cache hit;
//   (b) cold:    `lockscope check <path> --format json --jobs N`, empty cache;
//   (c) warm:    the same after changing one file (facts cached by content hash):
//                a comment appended, so the run record answers (engine/runrecord.ts);
//   (c2) warm:   the same after adding a function to that file: its facts
//                change, so everything after extraction runs again;
//   editor:      the language server with one directory indexed, a 5,000-line
//                file open, 50 edits: didChange -> publishDiagnostics latency
//                (each edit after the last one's diagnostics); then 10 typing
//                bursts, last keystroke -> diagnostics (debounce included).
//
// Usage: node server/out/scripts/bench.js [--jobs N] [--root DIR] [--path drivers]
//          [--only floor,facts,cold,warm,editor] [--editor-dir drivers/net/ethernet/intel]
//          [--check-timeout SECONDS (default 3600)]
// Child mode (used by the above): bench.js --child floor|facts --jobs N PATH...
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { collectFacts, defaultJobs, WorkerPool, type EnvData, type FileItem, type FloorResult } from '../src/engine/pool';
import { walkSources } from '../src/engine/files';

const REPO = path.resolve(__dirname, '../../..');
const LINUX_DIR = '/tmp/linux-source-6.12';
const LINUX_TARBALL = '/usr/src/linux-source-6.12.tar.xz';
const CLI = path.join(REPO, 'server/bin/lockscope.js');

// ---------------------------------------------------------------------------
// Arguments.

interface Args {
  jobs: number;
  root: string;
  paths: string[];
  only: Set<string>;
  editorDir: string;
  child?: string;
  transfer?: 'clone' | 'json';
  cacheDir?: string;
  /** A check run still going after this is stopped and reported as such. */
  checkTimeoutS: number;
}

const USAGE = `usage: npm run bench -- [--jobs N] [--root DIR] [--path DIR]... [--only floor,facts,cold,warm,editor]
                     [--editor-dir DIR] [--check-timeout SECONDS] [--cache-dir DIR] [--transfer json|clone]
defaults: --jobs (one per core), --root ${LINUX_DIR}, --path drivers, --editor-dir drivers/net/ethernet/intel`;

/** A mistake in the arguments: said with the usage, not as a crash. */
class UsageError extends Error {}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    jobs: defaultJobs(),
    root: LINUX_DIR,
    paths: [],
    only: new Set(['floor', 'facts', 'cold', 'warm', 'editor']),
    editorDir: 'drivers/net/ethernet/intel',
    checkTimeoutS: 3600,
  };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i];
    const next = (): string => {
      if (i + 1 >= argv.length) throw new UsageError(`${v} needs a value`);
      return argv[++i];
    };
    if (v === '--jobs' || v === '-j') a.jobs = Math.max(1, Number(next()) || 1);
    else if (v === '--root') a.root = path.resolve(next());
    else if (v === '--path') a.paths.push(next());
    else if (v === '--only') a.only = new Set(next().split(','));
    else if (v === '--editor-dir') a.editorDir = next();
    else if (v === '--child') a.child = next();
    else if (v === '--transfer') a.transfer = next() as 'clone' | 'json';
    else if (v === '--cache-dir') a.cacheDir = next();
    else if (v === '--check-timeout') a.checkTimeoutS = Math.max(1, Number(next()) || 3600);
    else if (v === '--help' || v === '-h') throw new UsageError('');
    else if (v.startsWith('-')) throw new UsageError(`unknown option ${v}`);
    else a.paths.push(v);
  }
  if (a.paths.length === 0) a.paths = ['drivers'];
  return a;
}

// ---------------------------------------------------------------------------
// Child side: one measured run, one JSON line on stdout.

interface ChildReport {
  kind: string;
  wallMs: number;
  walkMs: number;
  files: number;
  analysed: number;
  skipped: Record<string, number>;
  internalErrors: number;
  maxRssKb: number;
  extra: Record<string, unknown>;
}

function reasonKind(reason: string): string {
  return reason.replace(/\s*[(:].*$/, '');
}

function countReasons(reasons: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of reasons) out[reasonKind(r)] = (out[reasonKind(r)] ?? 0) + 1;
  return out;
}

async function childFloor(a: Args): Promise<ChildReport> {
  const t0 = performance.now();
  const walk = walkSources(a.paths);
  const walkMs = performance.now() - t0;
  const pool = new WorkerPool<FileItem, FloorResult>({
    task: { module: require.resolve('../src/engine/pool'), name: 'floorTask' },
    size: a.jobs,
  });
  const out = await pool.run(walk.files.map((f) => ({ file: f.file, abs: f.abs })));
  await pool.close();
  const reasons = walk.skipped.map((s) => s.reason);
  let analysed = 0;
  let internalErrors = 0;
  let bytes = 0;
  let nodes = 0;
  let withErrors = 0;
  for (const o of out) {
    if (!o.ok) {
      reasons.push(o.reason);
      if (o.reason !== 'time budget') internalErrors++;
    } else if (o.value.kind === 'skipped') reasons.push(o.value.reason);
    else {
      analysed++;
      bytes += o.value.bytes;
      nodes += o.value.nodes;
      if (o.value.hasError) withErrors++;
    }
  }
  return {
    kind: 'floor',
    wallMs: performance.now() - t0,
    walkMs,
    files: walk.files.length + walk.skipped.length,
    analysed,
    skipped: countReasons(reasons),
    internalErrors,
    maxRssKb: process.resourceUsage().maxRSS,
    extra: { bytes, nodes, filesWithErrorNodes: withErrors, pool: pool.counters },
  };
}

function builtinEnv(): EnvData {
  const load = require('../src/kernel-api/load') as { BUILTIN_ROWS: EnvData['rows']; BUILTIN_OPS: EnvData['opsRows'] };
  return { rows: load.BUILTIN_ROWS, opsRows: load.BUILTIN_OPS, macros: [] };
}

async function childFacts(a: Args): Promise<ChildReport> {
  const t0 = performance.now();
  const r = await collectFacts(a.paths, {
    jobs: a.jobs,
    env: builtinEnv(),
    cache: a.cacheDir ? { dir: a.cacheDir } : false,
    transfer: a.transfer,
  });
  const wallMs = performance.now() - t0;
  const internalErrors = r.skipped.filter((s) => /^(internal error|worker crashed)/.test(s.reason)).length;
  let functions = 0;
  let lockSites = 0;
  for (const f of r.facts) {
    functions += f.functions.length;
    lockSites += f.lockSites;
  }
  return {
    kind: 'facts',
    wallMs,
    walkMs: r.stats.walkMs,
    files: r.stats.files,
    analysed: r.stats.analysed,
    skipped: countReasons(r.skipped.map((s) => s.reason)),
    internalErrors,
    maxRssKb: process.resourceUsage().maxRSS,
    extra: {
      functions, lockSites, cache: r.stats.cache, pool: r.stats.pool, transfer: a.transfer ?? 'json',
      internalErrorSamples: r.skipped.filter((s) => /^(internal error|worker crashed)/.test(s.reason)).slice(0, 5),
    },
  };
}

// ---------------------------------------------------------------------------
// Parent side.

interface Measured {
  label: string;
  ok: boolean;
  note?: string;
  wallMs?: number;
  /** user + system CPU time of the whole child: less sensitive than wall time to a busy machine. */
  cpuMs?: number;
  files?: number;
  analysed?: number;
  maxRssKb?: number;
  skipped?: Record<string, number>;
  internalErrors?: number;
  findingsByRule?: Record<string, number>;
  extra?: Record<string, unknown>;
}

const HAVE_TIME = fs.existsSync('/usr/bin/time');

/**
 * Run node with args under /usr/bin/time -v; stdout to a file (outputs can be
 * large). The run has its own process group, so a timeout stops all of it.
 */
async function measureNode(
  args: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<{ code: number | null; stdoutFile: string; stderr: string; wallMs: number; cpuMs?: number; maxRssKb?: number }> {
  const outFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lockscope-bench-')), 'stdout');
  const fd = fs.openSync(outFile, 'w');
  const cmd = HAVE_TIME ? '/usr/bin/time' : process.execPath;
  const full = HAVE_TIME ? ['-v', process.execPath, ...args] : args;
  const t0 = performance.now();
  const child = spawn(cmd, full, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', fd, 'pipe'], detached: true });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString('utf8')).slice(-65536); });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ }
  }, opts.timeoutMs ?? 60 * 60 * 1000);
  const code = await new Promise<number | null>((resolve) => {
    child.on('error', () => resolve(null));
    child.on('close', (c) => resolve(c));
  });
  clearTimeout(timer);
  const wallMs = performance.now() - t0;
  fs.closeSync(fd);
  if (timedOut) stderr += `\ntimed out after ${Math.round(wallMs / 1000)} s\n`;
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  const user = /User time \(seconds\): ([\d.]+)/.exec(stderr);
  const sys = /System time \(seconds\): ([\d.]+)/.exec(stderr);
  const cpuMs = user && sys ? (Number(user[1]) + Number(sys[1])) * 1000 : undefined;
  return { code, stdoutFile: outFile, stderr, wallMs, cpuMs, maxRssKb: m ? Number(m[1]) : undefined };
}

async function runChild(kind: string, a: Args, extraArgs: string[] = [], label = kind === 'floor' ? '(a) floor: bare parse' : '(a\') facts: extract only'): Promise<Measured> {
  const r = await measureNode(
    [__filename, '--child', kind, '--jobs', String(a.jobs), ...extraArgs, ...a.paths],
    { cwd: a.root },
  );
  const text = fs.readFileSync(r.stdoutFile, 'utf8');
  const line = text.split('\n').reverse().find((l) => l.startsWith('{'));
  if (r.code !== 0 || !line) {
    return { label, ok: false, note: `child failed (${r.code}): ${r.stderr.split('\n').filter((l) => l && !/^\s+\w[^:]*: /.test(l)).slice(-3).join(' | ')}` };
  }
  const rep = JSON.parse(line) as ChildReport;
  return {
    label,
    ok: true,
    wallMs: r.wallMs,
    cpuMs: r.cpuMs,
    files: rep.files,
    analysed: rep.analysed,
    maxRssKb: r.maxRssKb ?? rep.maxRssKb,
    skipped: rep.skipped,
    internalErrors: rep.internalErrors,
    extra: { ...rep.extra, innerWallMs: Math.round(rep.wallMs), walkMs: Math.round(rep.walkMs) },
  };
}

/** Whether the CLI has a working `check` with JSON output and --jobs (probed on a tiny file). */
function cliReady(): { ok: boolean; why?: string } {
  if (!fs.existsSync(CLI)) return { ok: false, why: 'server/bin/lockscope.js missing' };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lockscope-probe-'));
  fs.writeFileSync(path.join(dir, 'probe.c'), 'static DEFINE_SPINLOCK(l);\nvoid f(void) { spin_lock(&l); spin_unlock(&l); }\n');
  const r = spawnSync(process.execPath, [CLI, 'check', 'probe.c', '--format', 'json', '--jobs', '1'], {
    cwd: dir,
    env: { ...process.env, LOCKSCOPE_CACHE_DIR: path.join(dir, 'cache') },
    encoding: 'utf8',
    timeout: 60_000,
  });
  try {
    JSON.parse(r.stdout);
    return { ok: true };
  } catch {
    return { ok: false, why: `\`lockscope check --format json --jobs 1\` gave no JSON (exit ${r.status}): ${(r.stderr || r.stdout || '').trim().split('\n')[0] ?? ''}` };
  }
}

interface CheckJson {
  findings?: Array<{ rule?: string }>;
  skipped?: Array<{ file: string; reason: string }>;
  stats?: Record<string, unknown>;
  files?: unknown;
}

async function runCheck(label: string, a: Args, cacheDir: string): Promise<Measured> {
  const r = await measureNode(
    [CLI, 'check', ...a.paths, '--format', 'json', '--jobs', String(a.jobs)],
    { cwd: a.root, env: { ...process.env, LOCKSCOPE_CACHE_DIR: cacheDir }, timeoutMs: a.checkTimeoutS * 1000 },
  );
  let json: CheckJson | undefined;
  try {
    const parsed = JSON.parse(fs.readFileSync(r.stdoutFile, 'utf8')) as CheckJson | Array<{ rule?: string }>;
    json = Array.isArray(parsed) ? { findings: parsed } : parsed;
  } catch { /* below */ }
  // lockscope check exits 1 when it reports findings; 2+ is a usage or internal error.
  if (/timed out after/.test(r.stderr)) {
    return { label, ok: false, note: `stopped: over the --check-timeout of ${a.checkTimeoutS} s (wall ${fmtMs(r.wallMs)})` };
  }
  if (!json || (r.code !== 0 && r.code !== 1)) {
    return { label, ok: false, note: `exit ${r.code}: ${r.stderr.split('\n').filter((l) => l && !/^\s+\w[^:]*: /.test(l)).slice(-3).join(' | ')}` };
  }
  const byRule: Record<string, number> = {};
  for (const f of json.findings ?? []) byRule[f.rule ?? '?'] = (byRule[f.rule ?? '?'] ?? 0) + 1;
  const skipped = json.skipped ?? [];
  const stats = (json.stats ?? {}) as Record<string, unknown>;
  return {
    label,
    ok: true,
    wallMs: r.wallMs,
    cpuMs: r.cpuMs,
    files: typeof stats.files === 'number' ? stats.files + skipped.length : undefined,
    analysed: typeof stats.files === 'number' ? stats.files : undefined,
    maxRssKb: r.maxRssKb,
    skipped: countReasons(skipped.map((s) => s.reason)),
    internalErrors: skipped.filter((s) => /^(internal error|worker crashed)/.test(s.reason)).length,
    findingsByRule: byRule,
    extra: { stats },
  };
}

function ensureLinux(root: string): void {
  if (root !== LINUX_DIR || fs.existsSync(path.join(root, 'Makefile'))) return;
  if (!fs.existsSync(LINUX_TARBALL)) {
    process.stderr.write(`bench: ${LINUX_TARBALL} missing; apt-get install -y linux-source-6.12\n`);
    let r = spawnSync('apt-get', ['install', '-y', 'linux-source-6.12'], { stdio: 'inherit' });
    if (r.status !== 0) {
      spawnSync('apt-get', ['update'], { stdio: 'inherit' });
      r = spawnSync('apt-get', ['install', '-y', 'linux-source-6.12'], { stdio: 'inherit' });
    }
    if (r.status !== 0) throw new Error('could not install linux-source-6.12');
  }
  process.stderr.write(`bench: unpacking ${LINUX_TARBALL} to /tmp\n`);
  execFileSync('tar', ['-xf', LINUX_TARBALL, '-C', '/tmp'], { stdio: 'inherit' });
}

// ---------------------------------------------------------------------------
// The editor benchmark: the language server over stdio (lsp/stdioClient.ts).

/** The 5,000-line document: the largest .c under dir, cut after a top-level `}` near line 5,000 and padded. */
function editorDocument(dir: string): { abs: string; text: string; editLines: number[] } | undefined {
  const files = walkSources([dir]).files.filter((f) => f.file.endsWith('.c')).sort((x, y) => y.size - x.size);
  if (files.length === 0) return undefined;
  let lines = fs.readFileSync(files[0].abs, 'utf8').split('\n');
  if (lines.length > 5000) {
    let cut = 5000;
    while (cut > 0 && lines[cut - 1] !== '}') cut--;
    lines = lines.slice(0, cut > 0 ? cut : 5000);
  }
  while (lines.length < 5000) lines.push(`/* lockscope bench padding ${lines.length} */`);
  // Edit points: blank lines inside function bodies (a tab-indented neighbour), spread over the file.
  const inside: number[] = [];
  for (let i = 1; i < lines.length - 1; i++) {
    if (lines[i].trim() === '' && lines[i - 1].startsWith('\t') && lines[i + 1].startsWith('\t')) inside.push(i);
  }
  const editLines = Array.from({ length: 50 }, (_, k) => inside[Math.floor((k * inside.length) / 50)] ?? 100 + k * 90);
  return { abs: files[0].abs, text: lines.join('\n'), editLines };
}

async function editorBench(a: Args): Promise<Measured> {
  const label = 'editor: didChange -> diagnostics';
  const entry = path.join(REPO, 'server/out/src/lsp/main.js');
  if (!fs.existsSync(entry)) return { label, ok: false, note: 'no language server (server/out/src/lsp/main.js)' };
  const root = path.join(a.root, a.editorDir);
  const doc = editorDocument(root);
  if (!doc) return { label, ok: false, note: `no C files under ${root}` };
  const { StdioLspClient } = require('../src/lsp/stdioClient') as typeof import('../src/lsp/stdioClient');
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lockscope-bench-lsp-cache-'));
  const prevCache = process.env.LOCKSCOPE_CACHE_DIR;
  process.env.LOCKSCOPE_CACHE_DIR = cacheDir; // inherited by the server process
  let stderr = '';
  const c = new StdioLspClient({ root, settings: {}, stderr: (s) => { stderr = (stderr + s).slice(-4000); } });
  if (prevCache === undefined) delete process.env.LOCKSCOPE_CACHE_DIR;
  else process.env.LOCKSCOPE_CACHE_DIR = prevCache;
  try {
    const t0 = performance.now();
    await c.initialize();
    const uri = c.open(doc.abs, doc.text);
    // Steady state: the whole directory indexed and analysed before the first edit.
    await c.waitIndexed(900_000);
    await c.waitDiagnostics(uri, () => true, 1, 900_000);
    const readyMs = performance.now() - t0;
    const lat: number[] = [];
    for (let i = 0; i < 50; i++) {
      // Each edit adds a statement inside a function body: new text every time, no cache can answer it.
      const line = doc.editLines[i];
      const t = performance.now();
      const v = c.change(uri, [{ range: { start: { line, character: 0 }, end: { line, character: 0 } }, text: `\tlockscope_bench_edit(${i});` }]);
      await c.waitDiagnostics(uri, () => true, v, 120_000);
      lat.push(performance.now() - t);
    }
    // Typing: bursts of 5 keystrokes 20 ms apart, from the last one to the diagnostics that reflect it
    // (these wait for the debounce; the edits above come each after a pause and do not).
    const burst: number[] = [];
    for (let i = 0; i < 10; i++) {
      const line = doc.editLines[(50 + i) % doc.editLines.length];
      let v = 0;
      for (let k = 0; k < 5; k++) {
        if (k > 0) await new Promise((r) => setTimeout(r, 20));
        v = c.change(uri, [{ range: { start: { line, character: 0 }, end: { line, character: 0 } }, text: `x${k}` }]);
      }
      const t = performance.now();
      await c.waitDiagnostics(uri, () => true, v, 120_000);
      burst.push(performance.now() - t);
    }
    const quantile = (xs: number[], f: number): number => {
      const sorted = [...xs].sort((x, y) => x - y);
      return sorted[Math.min(sorted.length - 1, Math.ceil(f * sorted.length) - 1)];
    };
    return {
      label,
      ok: true,
      wallMs: readyMs,
      extra: {
        medianMs: quantile(lat, 0.5), p95Ms: quantile(lat, 0.95), maxMs: Math.max(...lat),
        burstMedianMs: quantile(burst, 0.5), burstMaxMs: Math.max(...burst),
        file: path.relative(a.root, doc.abs), lines: 5000,
      },
    };
  } catch (err) {
    return { label, ok: false, note: `${(err as Error).message}; server stderr: ${stderr.trim().split('\n').slice(-2).join(' | ')}` };
  } finally {
    await c.shutdown().catch(() => undefined);
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------
// Report.

function fmtMs(ms?: number): string {
  return ms === undefined ? '-' : `${(ms / 1000).toFixed(2)} s`;
}

function fmtKb(kb?: number): string {
  return kb === undefined ? '-' : `${(kb / 1024).toFixed(0)} MB`;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')).join('\n');
}

function report(a: Args, runs: Measured[], editor?: Measured): string {
  const cols = runs;
  const floor = runs.find((r) => r.label.startsWith('(a)'));
  const cell = (r: Measured, f: (r: Measured) => string): string => (r.ok ? f(r) : 'n/a');
  const rows: string[][] = [
    ['', ...cols.map((r) => r.label)],
    ['wall time', ...cols.map((r) => cell(r, (x) => fmtMs(x.wallMs)))],
    ['CPU time (user+sys)', ...cols.map((r) => cell(r, (x) => fmtMs(x.cpuMs)))],
    ['files (analysed/all)', ...cols.map((r) => cell(r, (x) => `${x.analysed ?? '?'}/${x.files ?? '?'}`))],
    ['files per second', ...cols.map((r) => cell(r, (x) => (x.wallMs && x.files ? (x.files / (x.wallMs / 1000)).toFixed(0) : '-')))],
    ['peak RSS', ...cols.map((r) => cell(r, (x) => fmtKb(x.maxRssKb)))],
    ['x floor', ...cols.map((r) => cell(r, (x) => (floor?.ok && floor.wallMs && x.wallMs ? (x.wallMs / floor.wallMs).toFixed(2) : '-')))],
    ['CPU x floor', ...cols.map((r) => cell(r, (x) => (floor?.ok && floor.cpuMs && x.cpuMs ? (x.cpuMs / floor.cpuMs).toFixed(2) : '-')))],
    ['internal errors', ...cols.map((r) => cell(r, (x) => String(x.internalErrors ?? '-')))],
  ];
  const reasons = new Set<string>();
  for (const r of cols) for (const k of Object.keys(r.skipped ?? {})) reasons.add(k);
  for (const k of [...reasons].sort()) rows.push([`skipped: ${k}`, ...cols.map((r) => cell(r, (x) => String(x.skipped?.[k] ?? 0)))]);
  const rules = new Set<string>();
  for (const r of cols) for (const k of Object.keys(r.findingsByRule ?? {})) rules.add(k);
  for (const k of [...rules].sort()) rows.push([`findings: ${k}`, ...cols.map((r) => cell(r, (x) => (x.findingsByRule ? String(x.findingsByRule[k] ?? 0) : '-')))]);
  const lines = [
    `lockscope bench: ${a.paths.join(' ')} under ${a.root}, ${a.jobs} worker(s), ${os.cpus().length} cores, node ${process.version}`,
    '',
    table(rows),
    '',
  ];
  for (const r of cols) {
    if (!r.ok) lines.push(`${r.label}: not run: ${r.note}`);
    else if (r.extra) lines.push(`${r.label}: ${JSON.stringify(r.extra)}`);
  }
  if (editor) {
    lines.push('');
    if (editor.ok) {
      const e = editor.extra as { medianMs: number; p95Ms: number; maxMs: number; burstMedianMs: number; burstMaxMs: number; file: string };
      lines.push(`${editor.label} (${a.editorDir} indexed, ${e.file} as 5,000 lines, 50 edits): median ${e.medianMs.toFixed(0)} ms, p95 ${e.p95Ms.toFixed(0)} ms, max ${e.maxMs.toFixed(0)} ms; open + index + first analysis of every indexed file ${fmtMs(editor.wallMs)}`);
      lines.push(`  typing (10 bursts of 5 keystrokes 20 ms apart; last keystroke -> diagnostics, debounce included): median ${e.burstMedianMs.toFixed(0)} ms, max ${e.burstMaxMs.toFixed(0)} ms`);
    } else lines.push(`${editor.label}: not run: ${editor.note}`);
  }
  const b = runs.find((r) => r.label.startsWith('(b)'));
  const c = runs.find((r) => r.label.startsWith('(c)'));
  lines.push('');
  lines.push('targets:');
  const verdict = (ok: boolean | undefined): string => (ok === undefined ? 'not measured' : ok ? 'met' : 'MISSED');
  const ratio = b?.ok && floor?.ok && b.wallMs && floor.wallMs ? b.wallMs / floor.wallMs : undefined;
  lines.push(`  (b) <= 1.3 x (a): ${ratio === undefined ? '-' : ratio.toFixed(2)} ${verdict(ratio === undefined ? undefined : ratio <= 1.3)}`);
  const peak = Math.max(...runs.filter((r) => r.ok && r.maxRssKb).map((r) => r.maxRssKb!), 0);
  lines.push(`  peak RSS < 2.5 GB: ${fmtKb(peak || undefined)} ${verdict(peak ? peak < 2.5 * 1024 * 1024 : undefined)}`);
  lines.push(`  (c) < 3 s: ${c?.ok ? fmtMs(c.wallMs) : '-'} ${verdict(c?.ok ? c.wallMs! < 3000 : undefined)}`);
  const c2 = runs.find((r) => r.label.startsWith('(c2)'));
  if (c2?.ok) lines.push(`  (c2), a function added, for comparison: ${fmtMs(c2.wallMs)} ${verdict(c2.wallMs! < 3000)}`);
  const p95 = editor?.ok ? (editor.extra as { p95Ms: number }).p95Ms : undefined;
  lines.push(`  editor p95 < 150 ms: ${p95 === undefined ? '-' : `${p95.toFixed(0)} ms`} ${verdict(p95 === undefined ? undefined : p95 < 150)}`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  if (a.child) {
    const rep = a.child === 'floor' ? await childFloor(a) : a.child === 'facts' ? await childFacts(a) : undefined;
    if (!rep) throw new Error(`unknown child kind ${a.child}`);
    process.stdout.write(`${JSON.stringify(rep)}\n`);
    return;
  }
  ensureLinux(a.root);
  const say = (s: string): void => { process.stderr.write(`bench: ${s}\n`); };
  // Each result is also printed as it comes, so a long run shows what it has so far.
  const runs: Measured[] = [];
  const push = runs.push.bind(runs);
  runs.push = (...ms: Measured[]): number => {
    for (const m of ms) say(`${m.label}: ${JSON.stringify({ ...m, label: undefined })}`);
    return push(...ms);
  };
  if (a.only.has('floor')) {
    say(`floor (bare parse), ${a.jobs} workers ...`);
    runs.push(await runChild('floor', a));
  }
  if (a.only.has('facts')) {
    // The per-file part alone (walk, pool, extraction, cache store), cold then
    // warm, to tell it apart from the whole-program stages in (b) and (c).
    const factsCache = fs.mkdtempSync(path.join(os.tmpdir(), 'lockscope-bench-facts-cache-'));
    say('(a\') facts: walk + extract + cache store, cold ...');
    runs.push(await runChild('facts', a, ['--cache-dir', factsCache], '(a\') facts, cold'));
    say('(c\') facts: warm ...');
    runs.push(await runChild('facts', a, ['--cache-dir', factsCache], '(c\') facts, warm'));
    fs.rmSync(factsCache, { recursive: true, force: true });
  }
  const wantCheck = a.only.has('cold') || a.only.has('warm');
  if (wantCheck) {
    const ready = cliReady();
    if (!ready.ok) {
      runs.push({ label: '(b) check, cold', ok: false, note: ready.why });
      runs.push({ label: '(c) check, warm', ok: false, note: ready.why });
    } else {
      const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lockscope-bench-cache-'));
      say(`(b) lockscope check cold, cache ${cacheDir} ...`);
      runs.push(await runCheck('(b) check, cold', a, cacheDir));
      if (a.only.has('warm')) {
        // Change one file's content (a comment), so exactly one file misses; restore afterwards.
        const target = walkSources(a.paths.map((p) => path.join(a.root, p))).files.find((f) => f.file.endsWith('.c'));
        if (target) {
          const original = fs.readFileSync(target.abs);
          try {
            fs.writeFileSync(target.abs, Buffer.concat([original, Buffer.from('\n/* lockscope bench: touched */\n')]));
            say(`(c) lockscope check warm, ${path.relative(a.root, target.abs)} changed ...`);
            runs.push(await runCheck('(c) check, warm', a, cacheDir));
            // (c2): a change to the code (a function added), so that file's facts change and the
            // run record cannot answer: what a warm run costs when the program itself changed.
            fs.writeFileSync(target.abs, Buffer.concat([original, Buffer.from('\nstatic int lockscope_bench_edit(int x)\n{\n\treturn x + 1;\n}\n')]));
            say(`(c2) lockscope check warm, a function added to ${path.relative(a.root, target.abs)} ...`);
            runs.push(await runCheck('(c2) warm, code changed', a, cacheDir));
          } finally {
            fs.writeFileSync(target.abs, original);
          }
        }
      }
      fs.rmSync(cacheDir, { recursive: true, force: true });
    }
  }
  let editor: Measured | undefined;
  if (a.only.has('editor')) {
    say(`editor (${a.editorDir}) ...`);
    editor = await editorBench(a);
  }
  process.stdout.write(`${report(a, runs, editor)}\n`);
}

main().catch((err) => {
  if (err instanceof UsageError) {
    if (err.message) process.stderr.write(`bench: ${err.message}\n${USAGE}\n`);
    else process.stdout.write(`${USAGE}\n`);
    process.exitCode = err.message ? 2 : 0;
    return;
  }
  process.stderr.write(`bench: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exitCode = 2;
});
