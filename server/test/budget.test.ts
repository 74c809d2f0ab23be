// The per-file time budget, end to end: a file whose extraction runs past the
// budget is named in `skipped` with the reason, its worker is replaced, and
// every other file is still analysed. Inputs are generated in a temp dir.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { collectFacts, DEFAULT_BUDGET_MS } from '../src/engine/pool';
import { apiTableFor } from '../src/engine/analyze';
import { defaultConfig } from '../src/config/config';
import { main } from '../src/cli/main';
import { PARSE_BUDGET_MS } from '../src/syntax/parser';

/**
 * 500,000 nested calls `g(g(g(...)))` on one 1 MB line: tree-sitter alone
 * needs 30-60 s for it (measured; docs/limits.md), far past any budget.
 */
function slowFile(): string {
  const n = 500_000;
  return `void slow(void)\n{\n\t${'g('.repeat(n)}a${')'.repeat(n)};\n}\n`;
}

const FAST = `static DEFINE_SPINLOCK(a);\nstatic DEFINE_SPINLOCK(b);\nvoid f(void) { spin_lock(&a); spin_lock(&b); spin_unlock(&b); spin_unlock(&a); }\n`;

function tree(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lockscope-budget-'));
  fs.writeFileSync(path.join(dir, 'a_fast.c'), FAST);
  fs.writeFileSync(path.join(dir, 'b_slow.c'), slowFile());
  fs.writeFileSync(path.join(dir, 'c_fast.c'), FAST.replace('void f', 'void g'));
  return dir;
}

test('collectFacts: a file past the budget is skipped with its name and reason; the others are analysed', { timeout: 60_000 }, async () => {
  const dir = tree();
  try {
    const api = apiTableFor(defaultConfig());
    const t0 = performance.now();
    const out = await collectFacts([dir], {
      jobs: 1, budgetMs: 500, cache: false, env: { rows: api.rows, opsRows: api.opsRows, macros: [] },
    });
    const ms = performance.now() - t0;
    assert.deepEqual(out.skipped, [{ file: path.join(dir, 'b_slow.c'), reason: 'time budget: exceeded the 500 ms budget' }]);
    assert.deepEqual(out.facts.map((f) => path.basename(f.file)), ['a_fast.c', 'c_fast.c']);
    assert.equal(out.stats.pool.budgetKills, 1);
    assert.ok(out.stats.pool.workersStarted >= 2, 'the killed worker was replaced');
    // Bound: the budget plus worker start-ups, not the 30+ s the file would take.
    assert.ok(ms < 15_000, `took ${ms.toFixed(0)} ms`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

const PARSE_OVER_BUDGET = `time budget: parsing exceeded ${PARSE_BUDGET_MS} ms (tree-sitter's error recovery on this text)`;

for (const mode of ['pool', 'in-process'] as const) test(`lockscope check (${mode}): the ${PARSE_BUDGET_MS} ms parse budget (under the pool's ${DEFAULT_BUDGET_MS} ms) names the file in the JSON skipped list`, { timeout: 90_000 }, async () => {
  const dir = tree();
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'lockscope-budget-cache-'));
  const saved = process.env.LOCKSCOPE_CACHE_DIR;
  process.env.LOCKSCOPE_CACHE_DIR = cache;
  try {
    let stdout = '';
    let stderr = '';
    const t0 = performance.now();
    const code = await main(['check', dir, '--format', 'json', ...(mode === 'pool' ? ['--jobs', '1'] : []), '--no-cache'], {
      stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; },
    });
    const ms = performance.now() - t0;
    assert.equal(stderr, '');
    assert.ok(code === 0 || code === 1, `exit ${code}`);
    const json = JSON.parse(stdout) as { skipped: Array<{ file: string; reason: string }> };
    assert.deepEqual(json.skipped, [{ file: path.join(dir, 'b_slow.c'), reason: PARSE_OVER_BUDGET }]);
    // The other two files are analysed: their inversion-free locking gives no finding, but both count.
    assert.equal((json as unknown as { stats: { files: number } }).stats.files, 2);
    // Bound: the parse budget plus start-up, not the 30-60 s of the whole parse.
    assert.ok(ms < PARSE_BUDGET_MS + 15_000, `took ${ms.toFixed(0)} ms`);
  } finally {
    if (saved === undefined) delete process.env.LOCKSCOPE_CACHE_DIR;
    else process.env.LOCKSCOPE_CACHE_DIR = saved;
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  }
});
