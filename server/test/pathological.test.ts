// Pathological scale, each case with a documented bound (docs/limits.md):
// a function of 100,000 statements, a recursion cycle of 1,000 functions over
// four files, a lock graph of 10,000 classes, and a 50 MB file (skipped by
// the default size limit; with the limit raised, cut by the per-file time
// budget). Inputs are generated in memory or in a temp dir, never committed.
// Bounds are wall-clock on a loaded 2-core machine: measured times are 3-5x
// below them (docs/limits.md has the measured figures).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeSources } from '../src/engine/analyze';
import type { AnalysisResult, SourceFile } from '../src/engine/api';
import { DEFAULT_MAX_BYTES } from '../src/engine/files';
import { DEFAULT_BUDGET_MS } from '../src/engine/pool';
import { PARSE_BUDGET_MS } from '../src/syntax/parser';
import { main } from '../src/cli/main';

const MB = 1024 * 1024;

function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

function gapsOf(r: AnalysisResult): string[] {
  return r.facts.flatMap((f) => [...f.gaps, ...f.functions.flatMap((fn) => fn.gaps)]).map((g) => g.what);
}

async function timed(files: SourceFile[]): Promise<{ r: AnalysisResult; ms: number }> {
  const t0 = performance.now();
  const r = await analyzeSources(files, { all: true });
  return { r, ms: performance.now() - t0 };
}

// ---------------------------------------------------------------------------
// A function of 100,000 statements (one in ten an `if`), ending in la -> lb;
// another function takes lb -> la.

function longFunction(statements: number): string {
  const body: string[] = [];
  for (let i = 0; i < statements; i++) body.push(i % 10 === 0 ? `\tif (c${i % 7})\n\t\tx += ${i};` : `\tx = x * ${i} + y;`);
  return `static DEFINE_SPINLOCK(la);
static DEFINE_SPINLOCK(lb);
int x, y, c0, c1, c2, c3, c4, c5, c6;

void long_fn(void)
{
${body.join('\n')}
\tspin_lock(&la);
\tspin_lock(&lb);
\tspin_unlock(&lb);
\tspin_unlock(&la);
}

void other_fn(void)
{
\tspin_lock(&lb);
\tspin_lock(&la);
\tspin_unlock(&la);
\tspin_unlock(&lb);
}
`;
}

const LONG_BOUND_MS = 40_000;
let longResult: AnalysisResult | undefined;

test(`a function of 100,000 statements finishes within ${LONG_BOUND_MS / 1000} s and 1.5 GB`, { timeout: 2 * LONG_BOUND_MS }, async () => {
  const { r, ms } = await timed([{ file: 'long.c', text: longFunction(100_000) }]);
  longResult = r;
  assert.ok(ms < LONG_BOUND_MS, `took ${ms.toFixed(0)} ms`);
  assert.ok(peakRssMb() < 1536, `peak RSS ${peakRssMb().toFixed(0)} MB`);
  assert.equal(r.stats.functions, 2);
  assert.deepEqual(r.skipped, []);
});

test('a function of 100,000 statements: the inversion at its end is found, or the cut is reported', () => {
  assert.ok(longResult);
  const found = longResult.findings.some((f) => f.rule === 'lock-order-inversion');
  const said = gapsOf(longResult).length > 0;
  assert.ok(found || said, 'neither the finding nor a gap saying the function was cut');
});

// ---------------------------------------------------------------------------
// A recursion cycle of 1,000 functions over four files: rec_i calls rec_{i+1},
// rec_999 calls rec_0, rec_500 takes ra; an entry takes rb around rec_0 and
// another function takes ra -> rb.

function recursionCycle(n: number, files: number): SourceFile[] {
  const out: SourceFile[] = [];
  const per = Math.ceil(n / files);
  for (let f = 0; f < files; f++) {
    const parts = [f === 0 ? 'DEFINE_SPINLOCK(ra);\nDEFINE_SPINLOCK(rb);\n' : 'extern spinlock_t ra, rb;\n'];
    for (let i = f * per; i < Math.min(n, (f + 1) * per); i++) {
      const next = (i + 1) % n;
      const lock = i === n / 2 ? '\tspin_lock(&ra);\n\tspin_unlock(&ra);\n' : '';
      parts.push(`void rec_${next}(int d);\nvoid rec_${i}(int d)\n{\n\tif (d > 0)\n\t\trec_${next}(d - 1);\n${lock}}\n`);
    }
    out.push({ file: `rec_${f}.c`, text: parts.join('\n') });
  }
  out.push({
    file: 'rec_entry.c',
    text: 'extern spinlock_t ra, rb;\nvoid rec_0(int d);\n\nvoid rec_entry(void)\n{\n\tspin_lock(&rb);\n\trec_0(5);\n\tspin_unlock(&rb);\n}\n\n'
      + 'void rec_other(void)\n{\n\tspin_lock(&ra);\n\tspin_lock(&rb);\n\tspin_unlock(&rb);\n\tspin_unlock(&ra);\n}\n',
  });
  return out;
}

const REC_BOUND_MS = 20_000;

test(`a recursion cycle of 1,000 functions over 4 files: the lock taken 500 calls deep is found, within ${REC_BOUND_MS / 1000} s`, { timeout: 2 * REC_BOUND_MS }, async () => {
  const { r, ms } = await timed(recursionCycle(1_000, 4));
  assert.ok(ms < REC_BOUND_MS, `took ${ms.toFixed(0)} ms`);
  assert.equal(r.stats.functions, 1_002);
  // Found and simulated (a witness), but a 500-call path is beyond the depth reported by default (--all shows it).
  const deep = r.findings.find((f) => f.rule === 'lock-order-inversion');
  assert.ok(deep, 'rb -> (rec_0 .. rec_500) -> ra against ra -> rb');
  assert.ok(deep.witness && deep.witness.length > 0, 'the simulator found the interleaving');
  assert.equal(deep.confirmed, false);
  assert.match(deep.reason ?? '', /^the path needs \d+ nested calls \(more than 5\)/);
});

// ---------------------------------------------------------------------------
// 10,000 lock classes: 1,000 struct types with 10 spinlocks each; walk_s takes
// its ten in order and then the next struct's l0 (a chain through every class,
// 55,000 order edges); back() adds obj_1.l0 -> obj_0.l9, a 2-cycle to find.

function lockGraph(structs: number, locksPer: number, files: number): SourceFile[] {
  const out: SourceFile[] = [];
  const per = Math.ceil(structs / files);
  for (let f = 0; f < files; f++) {
    const parts: string[] = [];
    for (let s = f * per; s < Math.min(structs, (f + 1) * per); s++) {
      const fields = Array.from({ length: locksPer }, (_, k) => `\tspinlock_t l${k};\n`).join('');
      parts.push(`struct obj_${s} {\n${fields}\tstruct obj_${(s + 1) % structs} *next;\n};\n`);
      const body: string[] = [];
      for (let k = 0; k < locksPer; k++) body.push(`\tspin_lock(&o->l${k});`);
      body.push('\tspin_lock(&o->next->l0);', '\tspin_unlock(&o->next->l0);');
      for (let k = locksPer - 1; k >= 0; k--) body.push(`\tspin_unlock(&o->l${k});`);
      parts.push(`void walk_${s}(struct obj_${s} *o)\n{\n${body.join('\n')}\n}\n`);
    }
    out.push({ file: `graph_${f}.c`, text: parts.join('\n') });
  }
  out.push({
    file: 'graph_back.c',
    text: `void back(struct obj_1 *a, struct obj_0 *b)\n{\n\tspin_lock(&a->l0);\n\tspin_lock(&b->l${locksPer - 1});\n\tspin_unlock(&b->l${locksPer - 1});\n\tspin_unlock(&a->l0);\n}\n`,
  });
  return out;
}

const GRAPH_BOUND_MS = 30_000;

test(`a graph of 10,000 lock classes and 55,000 order edges: the one short cycle is found within ${GRAPH_BOUND_MS / 1000} s and 1.5 GB`, { timeout: 2 * GRAPH_BOUND_MS }, async () => {
  const { r, ms } = await timed(lockGraph(1_000, 10, 8));
  assert.ok(ms < GRAPH_BOUND_MS, `took ${ms.toFixed(0)} ms`);
  assert.ok(peakRssMb() < 1536, `peak RSS ${peakRssMb().toFixed(0)} MB`);
  const classes = new Set(r.edges.flatMap((e) => [e.from, e.to]));
  assert.ok(classes.size >= 10_000, `${classes.size} classes in the order graph`);
  assert.ok(r.edges.length >= 55_000, `${r.edges.length} edges`);
  const cycles = r.findings.filter((f) => f.rule === 'lock-order-inversion');
  assert.ok(cycles.some((f) => f.message.includes('obj_1.l0') && f.message.includes('obj_0.l9')), cycles.map((f) => f.message).join('\n'));
});

// ---------------------------------------------------------------------------
// A 50 MB file: 214,000 small driver functions.

function bigFile(bytes: number): string {
  const parts = ['#include <linux/spinlock.h>\n'];
  let size = 0;
  for (let n = 0; size < bytes; n++) {
    const s = `struct dev_${n} {\n\tspinlock_t lock;\n\tint x, y;\n};\n\nstatic void fn_${n}(struct dev_${n} *d)\n{\n\tunsigned long flags;\n\n`
      + `\tspin_lock_irqsave(&d->lock, flags);\n\tif (d->x)\n\t\td->y++;\n\tspin_unlock_irqrestore(&d->lock, flags);\n}\n\n`;
    parts.push(s);
    size += s.length;
  }
  return parts.join('');
}

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  let stdout = '';
  let stderr = '';
  const t0 = performance.now();
  const code = await main(argv, { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; } });
  return { code, stdout, stderr, ms: performance.now() - t0 };
}

test('a 50 MB file: skipped as too large by default; with maxFileBytes raised, cut by the time budget, named, within budget + 20 s', { timeout: 120_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lockscope-50mb-'));
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'lockscope-50mb-cache-'));
  const saved = process.env.LOCKSCOPE_CACHE_DIR;
  process.env.LOCKSCOPE_CACHE_DIR = cache;
  try {
    const src = path.join(dir, 'src');
    fs.mkdirSync(src);
    const big = path.join(src, 'big.c');
    fs.writeFileSync(big, bigFile(50 * MB));
    fs.writeFileSync(path.join(src, 'small.c'), 'static DEFINE_SPINLOCK(s);\nvoid f(void) { spin_lock(&s); spin_unlock(&s); }\n');
    const size = fs.statSync(big).size;

    // Default limit: skipped by size, without being read (stat only), in-process and pooled.
    for (const extra of [[], ['--jobs', '1']]) {
      const r = await cli(['check', src, '--format', 'json', '--no-cache', ...extra]);
      assert.equal(r.stderr, '');
      assert.equal(r.code, 0);
      const json = JSON.parse(r.stdout) as { skipped: Array<{ file: string; reason: string }> };
      assert.deepEqual(json.skipped, [{ file: big, reason: `too large (${size} bytes > ${DEFAULT_MAX_BYTES})` }]);
      assert.ok(r.ms < 10_000, `took ${r.ms.toFixed(0)} ms`);
    }

    // Raised limit: read and parsed in a worker; the 5 s parse budget stops it (the worker's 10 s budget would, after it).
    const config = path.join(dir, 'big.json');
    fs.writeFileSync(config, JSON.stringify({ maxFileBytes: 64 * MB }));
    const r = await cli(['check', src, '--format', 'json', '--no-cache', '--jobs', '1', '--config', config]);
    assert.equal(r.stderr, '');
    const json = JSON.parse(r.stdout) as { skipped: Array<{ file: string; reason: string }>; findings: unknown[] };
    assert.equal(json.skipped.length, 1);
    assert.equal(json.skipped[0].file, big);
    assert.match(json.skipped[0].reason, new RegExp(`^time budget: (parsing exceeded ${PARSE_BUDGET_MS} ms|exceeded the ${DEFAULT_BUDGET_MS} ms budget)`));
    assert.ok(r.ms < DEFAULT_BUDGET_MS + 20_000, `took ${r.ms.toFixed(0)} ms`);
    assert.ok(peakRssMb() < 4096, `peak RSS ${peakRssMb().toFixed(0)} MB`);
  } finally {
    if (saved === undefined) delete process.env.LOCKSCOPE_CACHE_DIR;
    else process.env.LOCKSCOPE_CACHE_DIR = saved;
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  }
});
