// Language-server latency, measured from a real client over stdio:
//  1. opening a fixture workspace → first diagnostics (server spawn included);
//  2. an edit in a 5,000-line file → the updated diagnostics (median, p95 over
//     50 edits; each edit toggles a deadlock so the diagnostics really change).
// Usage: node server/out/scripts/lsp-latency.js [--edits 50] [--lines 5000] [--debounce 0] [--json]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StdioLspClient } from '../src/lsp/stdioClient';

const ROOT = path.resolve(__dirname, '../../..');

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

/** A kernel-style driver file of about `lines` lines with one AB-BA pair that edits switch on and off. */
export function syntheticDriver(lines: number): { text: string; toggleLine: number; toggleText: string } {
  const out: string[] = [
    '/* Synthetic driver for latency measurement. */',
    'typedef struct { int raw; } spinlock_t;',
    'struct foo_dev { spinlock_t lock; spinlock_t stats_lock; int count; int stats[16]; };',
    'struct bar_ring { spinlock_t lock; int head, tail; };',
    'static DEFINE_SPINLOCK(foo_global_lock);',
    'void spin_lock(spinlock_t *l);',
    'void spin_unlock(spinlock_t *l);',
    '',
  ];
  let fn = 0;
  let toggleLine = -1;
  const toggleText = '\tspin_lock(&r->lock);';
  while (out.length < lines - 40) {
    const k = fn++;
    const body: string[] = [];
    body.push(`static int foo_op_${k}(struct foo_dev *d, struct bar_ring *r, int n)`, '{', '\tint i, sum = 0;', '');
    if (k === 7) {
      // order 2: ring lock then device lock (the inversion, with the line edits toggle)
      toggleLine = out.length + body.length;
      body.push(toggleText, '\tspin_lock(&d->lock);', '\td->count++;', '\tspin_unlock(&d->lock);', '\tspin_unlock(&r->lock);');
    } else {
      // order 1 everywhere else: device lock then ring lock
      body.push('\tspin_lock(&d->lock);', '\tfor (i = 0; i < n; i++) {', '\t\tsum += d->stats[i & 15];', '\t\td->count += i;', '\t}');
      if (k % 3 === 0) body.push('\tspin_lock(&r->lock);', '\tr->head = (r->head + 1) & 255;', '\tspin_unlock(&r->lock);');
      else body.push('\tsum += r->tail;');
      body.push('\tspin_unlock(&d->lock);');
      if (k % 5 === 0) body.push('\tspin_lock(&foo_global_lock);', '\tsum ^= k_helper(sum);', '\tspin_unlock(&foo_global_lock);');
    }
    body.push('\tif (sum < 0)', '\t\treturn -1;', '\treturn sum;', '}', '');
    out.push(...body);
  }
  while (out.length < lines - 1) out.push(`/* padding ${out.length} */`);
  out.push('');
  return { text: out.join('\n'), toggleLine, toggleText };
}

async function firstDiagnostics(runs: number): Promise<number[]> {
  const dir = path.join(ROOT, 'examples/xen-vgic');
  const file = path.join(dir, 'irq.c');
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const c = new StdioLspClient({ root: dir });
    await c.initialize();
    const uri = c.open(file, fs.readFileSync(file, 'utf8'));
    await c.waitDiagnostics(uri, (d) => d.length > 0, undefined, 60_000);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    await c.shutdown();
  }
  return times;
}

async function editLatency(lines: number, edits: number, debounceMs: number): Promise<{ times: number[]; fileLines: number; first: number }> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lockscope-latency-'));
  const { text, toggleLine, toggleText } = syntheticDriver(lines);
  const file = path.join(tmp, 'foo_drv.c');
  fs.writeFileSync(file, text);
  const c = new StdioLspClient({ root: tmp, settings: { debounceMs } });
  try {
    const t0 = process.hrtime.bigint();
    await c.initialize();
    const uri = c.open(file, text);
    await c.waitDiagnostics(uri, (d) => d.length > 0, undefined, 120_000);
    const first = Number(process.hrtime.bigint() - t0) / 1e6;
    const times: number[] = [];
    // every edit yields text never seen before, so no content-hash cache can answer it
    let current = toggleText;
    for (let i = 0; i < edits; i++) {
      const removing = i % 2 === 0;
      const next = removing ? `\t/* unlocked ${i} */` : `${toggleText} /* ${i} */`;
      const start = process.hrtime.bigint();
      const v = c.change(uri, [{ range: { start: { line: toggleLine, character: 0 }, end: { line: toggleLine, character: current.length } }, text: next }]);
      current = next;
      await c.waitDiagnostics(uri, (d) => (removing ? d.length === 0 : d.length > 0), v, 60_000);
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    return { times, fileLines: text.split('\n').length, first };
  } finally {
    await c.shutdown();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const edits = arg('edits', 50);
  const lines = arg('lines', 5000);
  const debounce = arg('debounce', 0);
  const open = await firstDiagnostics(5);
  const e = await editLatency(lines, edits, debounce);
  const r = {
    openToFirstDiagnosticsMs: { median: pct(open, 50), max: Math.max(...open), runs: open.length, workspace: 'examples/xen-vgic' },
    edit: {
      fileLines: e.fileLines,
      edits: e.times.length,
      debounceMs: debounce,
      medianMs: pct(e.times, 50),
      p95Ms: pct(e.times, 95),
      maxMs: Math.max(...e.times),
      firstDiagnosticsMs: e.first,
    },
    node: process.version,
    cpus: os.cpus().length,
  };
  if (process.argv.includes('--json')) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
  else {
    const f = (x: number): string => x.toFixed(1);
    process.stdout.write(
      `open workspace → first diagnostics (${r.openToFirstDiagnosticsMs.workspace}, spawn included, ${open.length} runs): median ${f(r.openToFirstDiagnosticsMs.median)} ms, max ${f(r.openToFirstDiagnosticsMs.max)} ms\n` +
        `${r.edit.fileLines}-line file: first diagnostics ${f(r.edit.firstDiagnosticsMs)} ms; edit → updated diagnostics over ${r.edit.edits} edits (debounce ${debounce} ms): median ${f(r.edit.medianMs)} ms, p95 ${f(r.edit.p95Ms)} ms, max ${f(r.edit.maxMs)} ms\n`,
    );
  }
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`lsp-latency: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  });
}
