// Language-server soak: the real server over stdio on a temporary copy of
// examples/ (plus a 3,000-line synthetic driver), driven by a seeded PRNG
// through N operations — mostly incremental edits that often leave the file
// unparseable, some closes and opens, interleaved hovers, code actions, code
// lenses, explain and lock-graph commands, requests cancelled right after
// they are sent, and requests that must fail. It checks that the server never
// exits, that every failing request is answered as an error (or null where
// LSP says so) and the server answers the next request, that a cancelled
// request is answered with RequestCancelled (-32800) or promptly, and it
// samples the server's RSS after warm-up and at the end.
//
// Usage: node server/out/scripts/soak.js [--edits 10000] [--seed 1] [--json] [--budget-s 1500]
// (npm run soak). The repository is never written: everything happens in os.tmpdir().
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CancellationTokenSource, ResponseError } from 'vscode-jsonrpc/node';
import { StdioLspClient, uriOf, type Diagnostic } from '../src/lsp/stdioClient';
import { syntheticDriver } from './lsp-latency';
import { mulberry32 } from './prng';

const REPO = path.resolve(__dirname, '../../..');
const EXPLAIN = 'lockscope.server.explain';
const LOCK_GRAPH = 'lockscope.server.lockGraph';
const CHECK_PATCH = 'lockscope.server.checkPatch';
const REQUEST_CANCELLED = -32800;

export interface SoakOptions {
  /** Number of operations (edits, opens/closes and requests). */
  edits: number;
  seed: number;
  /** The folder copied into the temporary workspace (default: the repository's examples/). */
  root?: string;
  log?: (line: string) => void;
  /** Wait for the analysis of the latest edit every this many operations (default 20). */
  idleEvery?: number;
  /** Stop the loop after this many ms whatever the count (default 25 min). */
  budgetMs?: number;
  /** Lines of the synthetic driver added to the workspace (default 3,000). */
  bigLines?: number;
  /** Pause after each operation, ms (default 1). */
  paceMs?: number;
  /** Keep the temporary workspace (default: removed). */
  keep?: boolean;
}

export interface ProbeResult {
  name: string;
  /** What the answer had to be: an error code, or null. */
  expected: number | null;
  /** The error code received, or 'null' / 'result' / 'timeout'. */
  got: number | 'null' | 'result' | 'timeout';
  ok: boolean;
  /** A normal request answered right after it. */
  answeredAfter: boolean;
}

export interface CancelResult {
  name: string;
  outcome: 'cancelled' | 'completed' | 'error' | 'timeout';
  ms: number;
  /** Time the same request took without cancellation (for comparison). */
  uncancelledMs?: number;
  ok: boolean;
}

export interface SoakReport {
  seed: number;
  operationsPlanned: number;
  operations: number;
  /** True when the time budget ended the loop before the planned count. */
  stoppedByBudget: boolean;
  durationMs: number;
  ops: Record<string, number>;
  requests: Record<string, number>;
  /** Edits after which the edited file had unbalanced braces or parentheses (a cheap unparseable proxy). */
  unbalancedAfterEdit: number;
  errors: {
    /** Error codes of the requests that had to fail, by probe name. */
    expected: Record<string, number>;
    unexpected: number;
    unexpectedByKind: Record<string, number>;
    /** The first few unexpected errors, for the log. */
    samples: string[];
  };
  /** Random requests cancelled right after sending: how they were answered. */
  cancelledInLoop: { cancelled: number; completed: number; other: number };
  probes: ProbeResult[];
  cancellation: CancelResult[];
  latencyMs: { requests: number; median: number; p95: number; max: number; byKind: Record<string, { n: number; median: number; max: number }> };
  idle: { waits: number; timeouts: number; maxWaitMs: number };
  rssKb: { afterWarmup: number; end: number; ratio: number; max: number; samples: Array<{ op: number; kb: number }> };
  serverLog: { analysisFailures: number; requestFailuresLogged: number; errorStatuses: number };
  serverExited: boolean;
  exit?: { code: number | null; signal: string | null };
  answeredAtEnd: boolean;
}

// ---------------------------------------------------------------------------
// deterministic randomness


class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** Picks a key by weight. */
  weighted<K extends string>(w: Record<K, number>): K {
    const keys = Object.keys(w) as K[];
    let total = 0;
    for (const k of keys) total += w[k];
    let x = this.next() * total;
    for (const k of keys) {
      x -= w[k];
      if (x < 0) return k;
    }
    return keys[keys.length - 1];
  }
}

// ---------------------------------------------------------------------------
// the client's copy of an open document ('\n' line ends only; UTF-16 positions)

type Pos = { line: number; character: number };
type Range = { start: Pos; end: Pos };

class Doc {
  version = 1;
  constructor(readonly file: string, readonly uri: string, readonly original: string, public text: string) {}

  lineStarts(): number[] {
    const starts = [0];
    for (let i = this.text.indexOf('\n'); i !== -1; i = this.text.indexOf('\n', i + 1)) starts.push(i + 1);
    return starts;
  }
  positionAt(offset: number, starts = this.lineStarts()): Pos {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: offset - starts[lo] };
  }
  /** Applies text in [from, to) locally; returns the LSP change. */
  replace(from: number, to: number, text: string): { range: Range; text: string } {
    const starts = this.lineStarts();
    const range = { start: this.positionAt(from, starts), end: this.positionAt(to, starts) };
    this.text = this.text.slice(0, from) + text + this.text.slice(to);
    return { range, text };
  }
  lineCount(): number {
    return this.lineStarts().length;
  }
  balanced(): boolean {
    let braces = 0;
    let parens = 0;
    for (let i = 0; i < this.text.length; i++) {
      const ch = this.text.charCodeAt(i);
      if (ch === 123) braces++;
      else if (ch === 125) braces--;
      else if (ch === 40) parens++;
      else if (ch === 41) parens--;
    }
    return braces === 0 && parens === 0;
  }
}

const SNIPPETS = [
  '{', '}', ';', '(', ')', '/*', '*/', '"', "'", '\n', '\t', '#if 0\n', '#endif\n', '#define X(a) a(\n',
  'spin_lock(&x_lock);', 'spin_unlock(&x_lock);', 'spin_lock_irqsave(&port_user_lock, flags);', 'mutex_lock(&m);',
  'disable_irq(3);', 'msleep(10);', 'if (x) {', '} else {', 'return;', 'goto out;', 'out:', 'static int f(void) {',
  'struct foo *p = &q->r;', 'for (;;) {', 'while (', '@@@', '\\', '`', '$', '?:', '->', '...', '[[', ']]',
  '\u00e9t\u00e9', '\u20ac', '\ud83d\ude00', '/* lockscope: ignore wait-under-lock -- soak */\n',
];
const GARBAGE = 'abcxyz_0123456789{}()[];,.*&|^!~<>=+-/%#"\'\\ \t\n?:';

function garbage(rng: Rng): string {
  const n = 1 + rng.int(24);
  let s = '';
  for (let i = 0; i < n; i++) s += GARBAGE[rng.int(GARBAGE.length)];
  return s;
}

function snippet(rng: Rng): string {
  return rng.chance(0.6) ? rng.pick(SNIPPETS) : garbage(rng);
}

/** One random edit of `doc` (applied locally), as the contentChanges of a didChange. */
function randomEdit(rng: Rng, doc: Doc): { kind: string; changes: Array<{ range?: Range; text: string }> } {
  const kind = rng.weighted({ insert: 30, delete: 20, deletePunct: 20, replace: 15, multi: 6, dupLine: 5, restore: 2, fullText: 2 });
  const len = doc.text.length;
  const at = (): number => rng.int(len + 1);
  switch (kind) {
    case 'insert': {
      const p = at();
      return { kind, changes: [doc.replace(p, p, snippet(rng))] };
    }
    case 'delete': {
      const p = at();
      return { kind, changes: [doc.replace(p, Math.min(len, p + 1 + rng.int(40)), '')] };
    }
    case 'deletePunct': {
      // a brace, semicolon or parenthesis: the file usually stops parsing
      const p = at();
      const re = /[{};()]/g;
      re.lastIndex = p;
      const m = re.exec(doc.text) ?? /[{};()]/.exec(doc.text);
      if (!m) return { kind, changes: [doc.replace(p, p, snippet(rng))] };
      return { kind, changes: [doc.replace(m.index, m.index + 1, '')] };
    }
    case 'replace': {
      const p = at();
      return { kind, changes: [doc.replace(p, Math.min(len, p + rng.int(20)), snippet(rng))] };
    }
    case 'multi': {
      // several changes in one notification, each against the text after the previous one
      const changes: Array<{ range: Range; text: string }> = [];
      const n = 2 + rng.int(3);
      for (let i = 0; i < n; i++) {
        const p = rng.int(doc.text.length + 1);
        changes.push(doc.replace(p, Math.min(doc.text.length, p + rng.int(6)), rng.chance(0.5) ? snippet(rng) : ''));
      }
      return { kind, changes };
    }
    case 'dupLine': {
      const starts = doc.lineStarts();
      const l = rng.int(starts.length);
      const end = l + 1 < starts.length ? starts[l + 1] : len;
      const line = doc.text.slice(starts[l], end);
      return { kind, changes: [doc.replace(end, end, line.endsWith('\n') ? line : '\n' + line)] };
    }
    case 'restore':
      return { kind, changes: [doc.replace(0, len, doc.original)] };
    default: {
      // full-text change without a range: the original, or the original with a line removed
      const lines = doc.original.split('\n');
      if (rng.chance(0.5)) lines.splice(rng.int(lines.length), 1);
      doc.text = lines.join('\n');
      return { kind, changes: [{ text: doc.text }] };
    }
  }
}

// ---------------------------------------------------------------------------

function pct(xs: number[], p: number): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

function rssKb(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmRSS:\s+(\d+)\s*kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function copyDir(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    const a = path.join(from, e.name);
    const b = path.join(to, e.name);
    if (e.isDirectory()) copyDir(a, b);
    else if (e.isFile()) fs.copyFileSync(a, b);
  }
}

function listC(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listC(dir, r));
    else if (/\.[ch]$/.test(e.name)) out.push(r);
  }
  return out;
}

type Outcome = { ok: true; result: unknown; ms: number } | { ok: false; code: number | 'timeout' | 'other'; message: string; ms: number };

export async function runSoak(opts: SoakOptions): Promise<SoakReport> {
  const log = opts.log ?? (() => undefined);
  const rng = new Rng(opts.seed);
  const idleEvery = Math.max(1, opts.idleEvery ?? 20);
  const budgetMs = opts.budgetMs ?? 25 * 60_000;
  const paceMs = opts.paceMs ?? 1;
  const started = Date.now();

  // the workspace: a copy of examples/ and a big synthetic driver
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lockscope-soak-'));
  const root = path.join(tmp, 'ws');
  copyDir(opts.root ?? path.join(REPO, 'examples'), root);
  const big = syntheticDriver(opts.bigLines ?? 3000);
  fs.mkdirSync(path.join(root, 'big'), { recursive: true });
  const bigFile = path.join(root, 'big/synthetic.c');
  fs.writeFileSync(bigFile, big.text);
  const files = listC(root).map((r) => path.join(root, r));
  const disk = new Map(files.map((f) => [f, fs.readFileSync(f, 'utf8')]));

  const report: SoakReport = {
    seed: opts.seed,
    operationsPlanned: opts.edits,
    operations: 0,
    stoppedByBudget: false,
    durationMs: 0,
    ops: {},
    requests: {},
    unbalancedAfterEdit: 0,
    errors: { expected: {}, unexpected: 0, unexpectedByKind: {}, samples: [] },
    cancelledInLoop: { cancelled: 0, completed: 0, other: 0 },
    probes: [],
    cancellation: [],
    latencyMs: { requests: 0, median: 0, p95: 0, max: 0, byKind: {} },
    idle: { waits: 0, timeouts: 0, maxWaitMs: 0 },
    rssKb: { afterWarmup: 0, end: 0, ratio: 0, max: 0, samples: [] },
    serverLog: { analysisFailures: 0, requestFailuresLogged: 0, errorStatuses: 0 },
    serverExited: false,
    answeredAtEnd: false,
  };
  const latencies = new Map<string, number[]>();
  const count = (m: Record<string, number>, k: string): void => void (m[k] = (m[k] ?? 0) + 1);
  const unexpected = (kind: string, message: string): void => {
    report.errors.unexpected++;
    count(report.errors.unexpectedByKind, kind);
    if (report.errors.samples.length < 20) report.errors.samples.push(`op ${report.operations} ${kind}: ${message}`);
    log(`unexpected: op ${report.operations} ${kind}: ${message}`);
  };

  const stderr: string[] = [];
  const c = new StdioLspClient({
    root,
    relatedInformation: true,
    settings: { debounceMs: 0 },
    stderr: (s) => void (stderr.length < 200 && stderr.push(s)),
  });
  let exited = false;
  c.proc.on('exit', (code, signal) => {
    exited = true;
    report.exit = { code, signal };
  });
  const pid = c.pid;

  /** Sends a request (optionally cancelled right away or after `cancelAfterMs`) and times its answer. */
  const send = async (kind: string, method: string, params: unknown, o: { cancelAfterMs?: number; timeoutMs?: number } = {}): Promise<Outcome> => {
    count(report.requests, kind);
    const t0 = performance.now();
    const cts = o.cancelAfterMs !== undefined ? new CancellationTokenSource() : undefined;
    const p = cts ? c.conn.sendRequest(method, params, cts.token) : c.conn.sendRequest(method, params);
    if (cts) {
      if (o.cancelAfterMs === 0) cts.cancel();
      else setTimeout(() => cts.cancel(), o.cancelAfterMs);
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), o.timeoutMs ?? 60_000)));
    try {
      const r = await Promise.race([p, timeout]);
      const ms = performance.now() - t0;
      if (r === 'timeout') return { ok: false, code: 'timeout', message: `no answer after ${o.timeoutMs ?? 60_000} ms`, ms };
      const l = latencies.get(kind) ?? [];
      l.push(ms);
      latencies.set(kind, l);
      return { ok: true, result: r, ms };
    } catch (e) {
      const ms = performance.now() - t0;
      if (e instanceof ResponseError) return { ok: false, code: e.code, message: e.message, ms };
      return { ok: false, code: 'other', message: String((e as Error)?.message ?? e), ms };
    } finally {
      clearTimeout(timer);
      cts?.dispose();
    }
  };

  const docs = new Map<string, Doc>(); // by uri
  let active: Doc | undefined;
  const openFile = (file: string): Doc => {
    const text = disk.get(file)!;
    const uri = c.open(file, text);
    const d = new Doc(file, uri, text, text);
    docs.set(uri, d);
    return d;
  };

  /** Waits for the diagnostics of the latest version of the active document (the analysis caught up). */
  const waitCaughtUp = async (ms = 120_000): Promise<void> => {
    report.idle.waits++;
    const t0 = Date.now();
    try {
      if (active) await c.waitDiagnostics(active.uri, () => true, active.version, ms);
      else await c.waitFor(() => c.statuses.length > 0 && c.statuses[c.statuses.length - 1].state === 'idle', ms, 'idle');
    } catch (e) {
      report.idle.timeouts++;
      unexpected('idle-timeout', (e as Error).message);
    }
    report.idle.maxWaitMs = Math.max(report.idle.maxWaitMs, Date.now() - t0);
  };

  /** A normal request that must be answered (with a result): the server carries on. */
  const answers = async (): Promise<boolean> => {
    const r = await send('lockGraph', 'workspace/executeCommand', { command: LOCK_GRAPH, arguments: [] }, { timeoutMs: 60_000 });
    return r.ok && !!r.result && Array.isArray((r.result as { nodes?: unknown }).nodes);
  };

  // ---- requests that must fail (each followed by a normal request)
  const probes: Array<{ name: string; method: string; params: unknown; expected: number | null }> = [
    { name: 'unknown-command', method: 'workspace/executeCommand', params: { command: 'lockscope.server.noSuchCommand', arguments: [] }, expected: -32602 },
    { name: 'explain-malformed-args', method: 'workspace/executeCommand', params: { command: EXPLAIN, arguments: [{ uri: 42, line: 'x' }] }, expected: -32602 },
    { name: 'explain-no-args', method: 'workspace/executeCommand', params: { command: EXPLAIN, arguments: [] }, expected: -32602 },
    { name: 'command-args-not-array', method: 'workspace/executeCommand', params: { command: EXPLAIN, arguments: 'x' }, expected: -32602 },
    { name: 'hover-unknown-document', method: 'textDocument/hover', params: { textDocument: { uri: uriOf(path.join(tmp, 'nowhere/none.c')) }, position: { line: 3, character: 1 } }, expected: null },
    { name: 'hover-malformed-position', method: 'textDocument/hover', params: { textDocument: { uri: uriOf(bigFile) }, position: null }, expected: -32603 },
    { name: 'codeAction-malformed-context', method: 'textDocument/codeAction', params: { textDocument: { uri: uriOf(bigFile) }, range: { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } }, context: null }, expected: -32603 },
    { name: 'unknown-method', method: 'lockscope/noSuchMethod', params: {}, expected: -32601 },
  ];
  const runProbe = async (pr: (typeof probes)[number]): Promise<ProbeResult> => {
    const r = await send(`probe:${pr.name}`, pr.method, pr.params, { timeoutMs: 30_000 });
    const got: ProbeResult['got'] = r.ok ? (r.result === null ? 'null' : 'result') : r.code === 'other' ? 'timeout' : r.code;
    const ok = got === (pr.expected === null ? 'null' : pr.expected);
    if (!r.ok && typeof r.code === 'number') report.errors.expected[pr.name] = r.code;
    const answeredAfter = await answers();
    const res = { name: pr.name, expected: pr.expected, got, ok, answeredAfter };
    if (!ok || !answeredAfter) unexpected(`probe:${pr.name}`, JSON.stringify(res) + (r.ok ? '' : ` ${r.message}`));
    return res;
  };

  try {
    await c.initialize();

    // ---- cancellation 1: before the first analysis, lock graph waits for it; cancelled, it must stop waiting
    {
      try {
        await c.waitFor(() => c.statuses.some((s) => s.state === 'indexing'), 30_000, 'indexing status');
      } catch {
        /* the index may be over already: the probe then measures an answered request */
      }
      const slow = send('lockGraph', 'workspace/executeCommand', { command: LOCK_GRAPH, arguments: [] });
      const cancelled = await send('cancel:lockGraph', 'workspace/executeCommand', { command: LOCK_GRAPH, arguments: [] }, { cancelAfterMs: 0, timeoutMs: 60_000 });
      const full = await slow;
      const outcome: CancelResult['outcome'] = cancelled.ok ? 'completed' : cancelled.code === REQUEST_CANCELLED ? 'cancelled' : cancelled.code === 'timeout' ? 'timeout' : 'error';
      const res: CancelResult = {
        name: 'lockGraph before the first analysis',
        outcome,
        ms: Math.round(cancelled.ms),
        uncancelledMs: Math.round(full.ms),
        ok: outcome === 'cancelled' || (outcome === 'completed' && cancelled.ms <= full.ms + 50),
      };
      report.cancellation.push(res);
      if (!res.ok) unexpected('cancellation', JSON.stringify(res));
      if (!full.ok) unexpected('lockGraph', `first lock graph: ${full.message}`);
    }

    // ---- the loop
    const warmupAt = Math.max(1, Math.floor(opts.edits / 10));
    const order = [...files];
    active = openFile(rng.pick(order.filter((f) => f.endsWith('.c') && f !== bigFile)));
    const inflight = new Set<Promise<void>>();
    const fire = (p: Promise<void>): void => {
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
    };
    const expectOk = (kind: string, check: (r: unknown) => boolean) => (r: Outcome): void => {
      if (!r.ok) unexpected(kind, `${r.code}: ${r.message}`);
      else if (!check(r.result)) unexpected(kind, `unexpected result ${JSON.stringify(r.result).slice(0, 200)}`);
    };
    const randomPos = (d: Doc): Pos => {
      const lines = d.text.split('\n');
      const l = rng.int(lines.length);
      return { line: l, character: rng.int(lines[l].length + 2) };
    };

    for (let op = 0; op < opts.edits; op++) {
      if (Date.now() - started > budgetMs) {
        report.stoppedByBudget = true;
        log(`time budget over after ${op} operations`);
        break;
      }
      if (exited) break;
      const d = active!;
      const kind = rng.weighted({
        edit: 74, hover: 8, codeAction: 5, codeLens: 2, explain: 3, lockGraph: 1, switch: 3, cancel: 2, probe: 1, checkPatch: 0.2,
      });
      count(report.ops, kind);
      switch (kind) {
        case 'edit': {
          const e = randomEdit(rng, d);
          count(report.ops, `edit:${e.kind}`);
          d.version = c.change(d.uri, e.changes);
          if (!d.balanced()) report.unbalancedAfterEdit++;
          break;
        }
        case 'hover': {
          const target = rng.chance(0.9) ? d : rng.pick([...docs.values()]);
          const position = randomPos(target);
          fire(send('hover', 'textDocument/hover', { textDocument: { uri: target.uri }, position }).then(
            expectOk('hover', (r) => r === null || typeof (r as { contents?: unknown }).contents === 'object'),
          ));
          break;
        }
        case 'codeAction': {
          const a = randomPos(d);
          const b = { line: a.line + rng.int(5), character: rng.int(40) };
          const diags: Diagnostic[] = rng.chance(0.7) ? (c.diagnostics.get(d.uri)?.diagnostics ?? []) : [];
          fire(send('codeAction', 'textDocument/codeAction', { textDocument: { uri: d.uri }, range: { start: a, end: b }, context: { diagnostics: diags } }).then(
            expectOk('codeAction', (r) => Array.isArray(r)),
          ));
          break;
        }
        case 'codeLens':
          fire(send('codeLens', 'textDocument/codeLens', { textDocument: { uri: d.uri } }).then(expectOk('codeLens', (r) => Array.isArray(r))));
          break;
        case 'explain': {
          const all = [...c.diagnostics.values()].flatMap((p) => p.diagnostics);
          const withId = all.filter((x) => (x.data as { findingId?: string } | undefined)?.findingId);
          const arg = withId.length && rng.chance(0.6)
            ? { findingId: (rng.pick(withId).data as { findingId: string }).findingId }
            : { uri: d.uri, line: randomPos(d).line };
          fire(send('explain', 'workspace/executeCommand', { command: EXPLAIN, arguments: [arg] }).then(
            expectOk('explain', (r) => r === null || typeof (r as { findingId?: unknown }).findingId === 'string'),
          ));
          break;
        }
        case 'lockGraph':
          fire(send('lockGraph', 'workspace/executeCommand', { command: LOCK_GRAPH, arguments: [] }).then(
            expectOk('lockGraph', (r) => Array.isArray((r as { nodes?: unknown }).nodes)),
          ));
          break;
        case 'checkPatch': {
          fire(send('checkPatch', 'workspace/executeCommand', { command: CHECK_PATCH, arguments: [{ patchText: garbage(rng), source: 'soak.patch' }] }).then(
            expectOk('checkPatch', (r) => typeof (r as { error?: unknown }).error === 'string'),
          ));
          break;
        }
        case 'switch': {
          // close a document (not the last one) or open another file; the active one may change
          const closed = [...disk.keys()].filter((f) => ![...docs.values()].some((x) => x.file === f));
          if (docs.size > 1 && (rng.chance(0.5) || !closed.length)) {
            const victim = rng.pick([...docs.values()]);
            c.close(victim.uri);
            docs.delete(victim.uri);
            count(report.ops, 'switch:close');
            if (victim === active) active = rng.pick([...docs.values()]);
          } else if (closed.length) {
            // the big driver rarely: every analysis of an edited 3,000-line file is slower
            const pool = closed.filter((f) => f !== bigFile || rng.chance(0.15));
            const nd = openFile(rng.pick(pool.length ? pool : closed));
            count(report.ops, 'switch:open');
            active = nd;
          }
          break;
        }
        case 'cancel': {
          // a random request cancelled right away (or after a few ms): a result or RequestCancelled, nothing else
          const which = rng.pick(['hover', 'explain', 'lockGraph', 'codeAction'] as const);
          const params =
            which === 'hover'
              ? { textDocument: { uri: d.uri }, position: randomPos(d) }
              : which === 'codeAction'
                ? { textDocument: { uri: d.uri }, range: { start: randomPos(d), end: randomPos(d) }, context: { diagnostics: [] } }
                : { command: which === 'explain' ? EXPLAIN : LOCK_GRAPH, arguments: which === 'explain' ? [{ uri: d.uri, line: randomPos(d).line }] : [] };
          const method = which === 'hover' ? 'textDocument/hover' : which === 'codeAction' ? 'textDocument/codeAction' : 'workspace/executeCommand';
          fire(send(`cancel:${which}`, method, params, { cancelAfterMs: rng.chance(0.5) ? 0 : rng.int(5) }).then((r) => {
            if (r.ok) report.cancelledInLoop.completed++;
            else if (r.code === REQUEST_CANCELLED) report.cancelledInLoop.cancelled++;
            else {
              report.cancelledInLoop.other++;
              unexpected(`cancel:${which}`, `${r.code}: ${r.message}`);
            }
          }));
          break;
        }
        case 'probe': {
          await Promise.all(inflight);
          const pr = await runProbe(rng.pick(probes));
          if (report.probes.length < 200) report.probes.push(pr);
          break;
        }
      }
      report.operations = op + 1;
      if (inflight.size > 32) await Promise.all(inflight);
      if ((op + 1) % idleEvery === 0) {
        await Promise.all(inflight);
        await waitCaughtUp();
        const kb = rssKb(pid);
        report.rssKb.max = Math.max(report.rssKb.max, kb);
        if ((op + 1) % Math.max(idleEvery, Math.floor(opts.edits / 20)) < idleEvery) report.rssKb.samples.push({ op: op + 1, kb });
      }
      if (op + 1 === warmupAt) {
        await Promise.all(inflight);
        await waitCaughtUp();
        await sleep(1000);
        report.rssKb.afterWarmup = medianRss(await sampleRss(pid));
        log(`after warm-up (${warmupAt} operations): RSS ${report.rssKb.afterWarmup} kB`);
        // every failing request once, then the cancellation of real work (a patch check of the big driver)
        for (const pr of probes) report.probes.push(await runProbe(pr));
        report.cancellation.push(await cancelPatchCheck());
      }
      if ((op + 1) % 1000 === 0) log(`${op + 1} operations, ${Math.round((Date.now() - started) / 1000)} s, RSS ${rssKb(pid)} kB`);
      if (paceMs > 0) await sleep(paceMs);
    }
    await Promise.all(inflight);

    // ---- the end: caught up, every failing request once more, RSS
    // restore the open documents so the last analysis is of the same texts as after warm-up
    for (const d of docs.values()) d.version = c.change(d.uri, [d.replace(0, d.text.length, d.original)]);
    await waitCaughtUp();
    for (const pr of probes) report.probes.push(await runProbe(pr));
    await waitCaughtUp();
    await sleep(1000);
    report.rssKb.end = medianRss(await sampleRss(pid));
    report.rssKb.max = Math.max(report.rssKb.max, report.rssKb.end, report.rssKb.afterWarmup);
    report.rssKb.ratio = report.rssKb.afterWarmup ? Number((report.rssKb.end / report.rssKb.afterWarmup).toFixed(3)) : 0;
    report.answeredAtEnd = await answers();
    report.serverExited = exited || c.proc.exitCode !== null || c.proc.signalCode !== null;
    if (report.serverExited) unexpected('server-exit', JSON.stringify(report.exit ?? {}));
  } catch (e) {
    unexpected('driver', (e as Error).stack ?? String(e));
    report.serverExited = exited || c.proc.exitCode !== null || c.proc.signalCode !== null;
  } finally {
    report.serverLog = {
      analysisFailures: c.logs.filter((l) => /analysis failed/.test(l)).length,
      requestFailuresLogged: c.logs.filter((l) => /lockscope: \w+ failed/.test(l) && !/analysis failed/.test(l)).length,
      errorStatuses: c.statuses.filter((s) => s.state === 'error').length,
    };
    if (report.serverLog.analysisFailures) unexpected('analysis-failed', c.logs.find((l) => /analysis failed/.test(l))!.slice(0, 500));
    await c.shutdown();
    await new Promise<void>((r) => {
      if (c.proc.exitCode !== null || c.proc.signalCode !== null) return r();
      const t = setTimeout(() => {
        c.proc.kill();
        r();
      }, 3000);
      c.proc.once('exit', () => (clearTimeout(t), r()));
    });
    if (!opts.keep) fs.rmSync(tmp, { recursive: true, force: true });
  }

  const all = [...latencies.values()].flat();
  report.latencyMs = {
    requests: all.length,
    median: round1(pct(all, 50)),
    p95: round1(pct(all, 95)),
    max: round1(all.length ? Math.max(...all) : 0),
    byKind: Object.fromEntries([...latencies].sort().map(([k, v]) => [k, { n: v.length, median: round1(pct(v, 50)), max: round1(Math.max(...v)) }])),
  };
  report.durationMs = Date.now() - started;
  return report;

  async function sampleRss(p: number | undefined): Promise<number[]> {
    const xs: number[] = [];
    for (let i = 0; i < 3; i++) {
      xs.push(rssKb(p));
      await sleep(200);
    }
    return xs;
  }

  /** Cancellation of real work: a patch check of the big driver (two analyses), cancelled while it runs. */
  async function cancelPatchCheck(): Promise<CancelResult> {
    const lines = big.text.split('\n');
    const l = big.toggleLine;
    const patch = [
      '--- a/big/synthetic.c',
      '+++ b/big/synthetic.c',
      `@@ -${l + 1},1 +${l + 1},1 @@`,
      `-${lines[l]}`,
      `+${lines[l].replace('spin_lock', 'spin_lock_bh')}`,
      '',
    ].join('\n');
    const params = { command: CHECK_PATCH, arguments: [{ patchText: patch, source: 'soak.patch' }] };
    const full = await send('checkPatch', 'workspace/executeCommand', params, { timeoutMs: 120_000 });
    if (!full.ok) unexpected('checkPatch', `${full.code}: ${full.message}`);
    else if ((full.result as { error?: string }).error) unexpected('checkPatch', `patch check failed: ${(full.result as { error: string }).error}`);
    // cancelled a quarter of the way in: during the first of its two analyses, typically
    const after = Math.max(20, Math.round(full.ms / 4));
    const cancelled = await send('cancel:checkPatch', 'workspace/executeCommand', params, { cancelAfterMs: after, timeoutMs: 120_000 });
    const outcome: CancelResult['outcome'] = cancelled.ok ? 'completed' : cancelled.code === REQUEST_CANCELLED ? 'cancelled' : cancelled.code === 'timeout' ? 'timeout' : 'error';
    const res: CancelResult = {
      name: `checkPatch of the 3,000-line driver, cancelled after ${after} ms`,
      outcome,
      ms: Math.round(cancelled.ms),
      uncancelledMs: Math.round(full.ms),
      // cancelled, or (when the check is over before the cancel arrives) answered no later than an uncancelled one
      ok: outcome === 'cancelled' || (outcome === 'completed' && cancelled.ms <= Math.max(100, 1.5 * full.ms)),
    };
    if (!res.ok) unexpected('cancellation', JSON.stringify(res));
    return res;
  }
}

function medianRss(xs: number[]): number {
  return pct(xs, 50);
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

export function formatReport(r: SoakReport): string {
  const kv = (m: Record<string, number>): string => Object.entries(m).sort().map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  const probesOk = r.probes.filter((p) => p.ok && p.answeredAfter).length;
  return [
    `lockscope soak: seed ${r.seed}, ${r.operations}/${r.operationsPlanned} operations in ${(r.durationMs / 1000).toFixed(1)} s${r.stoppedByBudget ? ' (stopped by the time budget)' : ''}`,
    `  operations: ${kv(r.ops)}`,
    `  edits leaving unbalanced braces/parentheses: ${r.unbalancedAfterEdit}`,
    `  requests: ${kv(r.requests)}`,
    `  latency: ${r.latencyMs.requests} answered, median ${r.latencyMs.median} ms, p95 ${r.latencyMs.p95} ms, max ${r.latencyMs.max} ms`,
    `  failing requests: ${probesOk}/${r.probes.length} answered as expected and followed by a normal answer; codes: ${kv(r.errors.expected)}`,
    `  cancellation: ${r.cancellation.map((c) => `${c.name}: ${c.outcome} in ${c.ms} ms (uncancelled ${c.uncancelledMs} ms)${c.ok ? '' : ' NOT OK'}`).join('; ')}`,
    `  cancelled in the loop: ${r.cancelledInLoop.cancelled} cancelled, ${r.cancelledInLoop.completed} completed, ${r.cancelledInLoop.other} other`,
    `  idle waits: ${r.idle.waits}, timeouts ${r.idle.timeouts}, longest ${r.idle.maxWaitMs} ms`,
    `  RSS: ${r.rssKb.afterWarmup} kB after warm-up, ${r.rssKb.end} kB at the end (ratio ${r.rssKb.ratio}), max ${r.rssKb.max} kB`,
    `  server log: ${r.serverLog.analysisFailures} analysis failures, ${r.serverLog.requestFailuresLogged} request failures logged, ${r.serverLog.errorStatuses} error statuses`,
    `  unexpected errors: ${r.errors.unexpected}${r.errors.unexpected ? ` (${kv(r.errors.unexpectedByKind)})\n    ${r.errors.samples.join('\n    ')}` : ''}`,
    `  server exited: ${r.serverExited ? `YES ${JSON.stringify(r.exit)}` : 'no'}; answered at the end: ${r.answeredAtEnd ? 'yes' : 'NO'}`,
  ].join('\n');
}

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}

async function main(): Promise<void> {
  const edits = arg('edits', 10_000);
  const r = await runSoak({
    edits,
    seed: arg('seed', 1),
    budgetMs: arg('budget-s', 1500) * 1000,
    log: (l) => process.stderr.write(`soak: ${l}\n`),
  });
  if (process.argv.includes('--json')) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
  else process.stdout.write(formatReport(r) + '\n');
  const ok = !r.serverExited && r.answeredAtEnd && r.errors.unexpected === 0 && r.rssKb.ratio <= 1.2;
  if (!ok) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`soak: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 2;
  });
}
