import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { collectFacts, compactFacts, newSharedValues, WorkerPool, type EnvData, type FileItem, type FloorResult, type TaskFactory } from '../src/engine/pool';
import { BUILTIN_OPS, BUILTIN_ROWS, buildApiTable } from '../src/kernel-api/load';
import { extractSource } from '../src/extract/extract';
import type { AccessPath, FileFacts } from '../src/extract/ir';

// Test tasks, loaded by the pool's workers from this very file.
type Item = { n: number; act?: 'throw' | 'crash' | 'exit' | 'loop' };

export const echoTask: TaskFactory<Item, { n: number; twice: number }> = () => async (item) => {
  // Later items finish first: completion order differs from input order.
  await new Promise((r) => setTimeout(r, (10 - (item.n % 10)) * 3));
  return { n: item.n, twice: item.n * 2 };
};

export const trapTask: TaskFactory<Item, number> = () => async (item) => {
  if (item.act === 'throw') throw new Error(`bad item ${item.n}`);
  if (item.act === 'crash') {
    setTimeout(() => { throw new Error('uncaught in worker'); }, 0);
    return new Promise<number>(() => undefined);
  }
  if (item.act === 'exit') process.exit(3);
  if (item.act === 'loop') for (;;) { /* pathological file */ }
  return item.n;
};

export const brokenInitTask: TaskFactory<Item, number> = () => {
  throw new Error('cannot load grammar');
};

if (isMainThread) {
  const spec = (name: string) => ({ module: __filename, name });

  test('results come back in input order', async () => {
    const pool = new WorkerPool<Item, { n: number; twice: number }>({ task: spec('echoTask'), size: 3 });
    try {
      const items = Array.from({ length: 40 }, (_, n) => ({ n }));
      const seen: number[] = [];
      const out = await pool.run(items, (i) => seen.push(i));
      assert.deepEqual(out.map((o) => (o.ok ? o.value.twice : -1)), items.map((i) => i.n * 2));
      assert.notDeepEqual(seen, items.map((i) => i.n), 'completion order was not input order');
      // The pool can be reused for another run.
      const again = await pool.run([{ n: 5 }]);
      assert.equal(again[0].ok && again[0].value.twice, 10);
      assert.equal(pool.counters.workersStarted, 3);
    } finally {
      await pool.close();
    }
  });

  test('a task that throws, a worker that crashes or exits: file reported, run goes on', async () => {
    const pool = new WorkerPool<Item, number>({ task: spec('trapTask'), size: 2 });
    try {
      const items: Item[] = [
        { n: 0 }, { n: 1, act: 'throw' }, { n: 2 }, { n: 3, act: 'crash' }, { n: 4 },
        { n: 5, act: 'exit' }, { n: 6 }, { n: 7 },
      ];
      const out = await pool.run(items);
      const summary = out.map((o) => (o.ok ? o.value : o.reason));
      assert.deepEqual(summary, [0, 'error', 2, 'worker crashed', 4, 'worker crashed', 6, 7]);
      assert.match(!out[1].ok ? out[1].message : '', /bad item 1/);
      assert.match(!out[3].ok ? out[3].message : '', /uncaught in worker/);
      assert.equal(pool.counters.crashes, 2);
      assert.equal(pool.counters.errors, 1);
    } finally {
      await pool.close();
    }
  });

  test('time budget: a looping file is skipped, its worker replaced, others finish', async () => {
    const pool = new WorkerPool<Item, number>({ task: spec('trapTask'), size: 2, budgetMs: 300 });
    try {
      const items: Item[] = [{ n: 0, act: 'loop' }, ...Array.from({ length: 10 }, (_, i) => ({ n: i + 1 })), { n: 11, act: 'loop' }, { n: 12 }];
      const t0 = performance.now();
      const out = await pool.run(items);
      const ms = performance.now() - t0;
      assert.deepEqual(out.map((o) => (o.ok ? o.value : o.reason)), ['time budget', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 'time budget', 12]);
      assert.equal(pool.counters.budgetKills, 2);
      assert.ok(ms < 5000, `took ${ms} ms`);
    } finally {
      await pool.close();
    }
  });

  test('a task that cannot start rejects the run instead of respawning forever', async () => {
    const pool = new WorkerPool<Item, number>({ task: spec('brokenInitTask'), size: 2 });
    await assert.rejects(pool.run([{ n: 1 }, { n: 2 }]), /failed to start: .*cannot load grammar/s);
    await pool.close();
  });

  test('floor task: bare parse of C files, content checks applied', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lockscope-pool-'));
    const files: Record<string, string | Buffer> = {
      'a.c': 'static DEFINE_SPINLOCK(l);\nvoid f(void) { spin_lock(&l); spin_unlock(&l); }\n',
      'b.c': 'void g(void) { if ( }\n',
      'gen.h': '/* This file is auto-generated. DO NOT EDIT */\n#define X 1\n',
      'bin.c': Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00]),
    };
    const items: FileItem[] = Object.entries(files).map(([name, body]) => {
      fs.writeFileSync(path.join(dir, name), body);
      return { file: name, abs: path.join(dir, name) };
    });
    const modulePath = require.resolve('../src/engine/pool');
    const pool = new WorkerPool<FileItem, FloorResult>({ task: { module: modulePath, name: 'floorTask' }, size: 2 });
    try {
      const out = await pool.run(items);
      const v = out.map((o) => (o.ok ? o.value : undefined));
      assert.equal(v[0]?.kind, 'parsed');
      assert.ok(v[0]?.kind === 'parsed' && v[0].nodes > 10 && !v[0].hasError);
      assert.ok(v[1]?.kind === 'parsed' && v[1].hasError);
      assert.ok(v[2]?.kind === 'skipped' && /^generated/.test(v[2].reason));
      assert.ok(v[3]?.kind === 'skipped' && /^binary/.test(v[3].reason));
    } finally {
      await pool.close();
    }
  });

  test('collectFacts: facts in walk order, skips with reasons, warm run from the cache, corrupt entry rebuilt', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lockscope-collect-'));
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lockscope-collect-cache-'));
    const src: Record<string, string> = {
      'b.c': 'static DEFINE_SPINLOCK(lb);\nvoid fb(void) { spin_lock(&lb); spin_unlock(&lb); }\n',
      'a.c': 'static DEFINE_MUTEX(ma);\nvoid fa(void) { mutex_lock(&ma); mutex_unlock(&ma); }\n',
      'sub/c.c': 'void fc(void) { if ( }\n',
      'gen.c': '/* autogenerated by regs.py, DO NOT EDIT */\nint x;\n',
    };
    for (const [name, text] of Object.entries(src)) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), text);
    }
    const env: EnvData = { rows: BUILTIN_ROWS, opsRows: BUILTIN_OPS, macros: [] };
    const cold = await collectFacts([dir], { jobs: 2, env, cache: { dir: cacheDir } });
    assert.deepEqual(cold.facts.map((f) => path.relative(dir, f.file)), ['a.c', 'b.c', 'sub/c.c']);
    assert.deepEqual(cold.skipped.map((s) => [path.relative(dir, s.file), s.reason.split(' ')[0]]), [['gen.c', 'generated']]);
    assert.deepEqual(cold.facts.map((f) => f.functions.map((fn) => fn.name)), [['fa'], ['fb'], ['fc']]);
    assert.equal(cold.stats.cache.misses, 3);
    assert.equal(cold.stats.cache.writes, 3);

    const warm = await collectFacts([dir], { jobs: 2, env, cache: { dir: cacheDir } });
    assert.equal(warm.stats.cache.hits, 3);
    assert.deepEqual(warm.facts, cold.facts);

    // Damage every stored entry: each is detected, rebuilt, and the result is unchanged.
    const entries = (fs.readdirSync(cacheDir, { recursive: true }) as string[])
      .map((n) => path.join(cacheDir, n))
      .filter((p) => fs.statSync(p).isFile() && !p.endsWith('.used'));
    assert.equal(entries.length, 3);
    for (const p of entries) fs.truncateSync(p, Math.floor(fs.statSync(p).size / 2));
    const rebuilt = await collectFacts([dir], { jobs: 2, env, cache: { dir: cacheDir } });
    assert.equal(rebuilt.stats.cache.corrupt, 3);
    assert.equal(rebuilt.stats.cache.writes, 3);
    assert.deepEqual(rebuilt.facts, cold.facts);

    // Another API table (fingerprint): nothing reused.
    const other = await collectFacts([dir], { jobs: 1, env: { ...env, rows: BUILTIN_ROWS.slice(1) }, cache: { dir: cacheDir } });
    assert.equal(other.stats.cache.hits, 0);
    const off = await collectFacts([dir], { jobs: 1, env, cache: false });
    assert.deepEqual(off.facts, cold.facts);
  });

  test('compactFacts: the same facts, with strings, empty arrays and access paths shared across files', async () => {
    const api = buildApiTable(BUILTIN_ROWS, BUILTIN_OPS);
    const text = (n: number) => `struct frob_dev { spinlock_t lock; int count; };
void frob_kick${n}(struct frob_dev *fd)
{
\tunsigned long flags;
\tspin_lock_irqsave(&fd->lock, flags);
\tfd->count++;
\tfrob_poke(fd);
\tspin_unlock_irqrestore(&fd->lock, flags);
\tfrob_poke(fd);
}
`;
    // As the pool hands them over: parsed from JSON, every string and array its own.
    const parsed = await Promise.all([1, 2].map(async (n) => JSON.parse(JSON.stringify(await extractSource(`drivers/frob/f${n}.c`, text(n), { api, macros: new Map() }))) as FileFacts));
    const expected = JSON.parse(JSON.stringify(parsed)) as FileFacts[];
    const shared = newSharedValues();
    for (const f of parsed) compactFacts(f, shared);
    assert.deepEqual(parsed, expected);

    const paths: AccessPath[] = [];
    for (const f of parsed) for (const fn of f.functions) for (const b of fn.blocks) for (const ev of b.events) {
      if (ev.kind === 'acquire' || ev.kind === 'release') paths.push(ev.lock);
      if (ev.kind === 'call') paths.push(...ev.args);
    }
    const locks = paths.filter((p) => p.text === '&fd->lock');
    const fds = paths.filter((p) => p.text === 'fd');
    assert.equal(locks.length, 4, 'lock and unlock in each file');
    assert.equal(fds.length, 4, 'two frob_poke(fd) calls in each file');
    // One object each, across both files, and frozen: facts are never changed after extraction.
    assert.ok(locks.every((p) => p === locks[0]) && fds.every((p) => p === fds[0]));
    assert.ok(Object.isFrozen(locks[0]));
    const [a, b] = parsed;
    assert.ok(a.functions[0].blocks.some((x) => x.events.length === 0), 'the fixture has an empty block');
    const empties = [...a.functions[0].blocks, ...b.functions[0].blocks].map((x) => x.events).filter((e) => e.length === 0);
    assert.ok(empties.every((e) => e === empties[0]));
    // Event-less blocks, successor lists, argument lists and parameter lists: one per content, frozen.
    const blocks = [...a.functions[0].blocks, ...b.functions[0].blocks];
    const emptyBlocks = blocks.filter((x) => x.events.length === 0);
    for (const x of emptyBlocks) assert.equal(x, emptyBlocks.find((y) => y.succ.join() === x.succ.join()));
    assert.ok(emptyBlocks.every((x) => Object.isFrozen(x) && Object.isFrozen(x.succ)));
    for (const x of blocks) assert.equal(x.succ, blocks.find((y) => y.succ.join() === x.succ.join())!.succ);
    const calls = blocks.flatMap((x) => x.events).filter((e) => e.kind === 'call' && e.callee === 'frob_poke');
    assert.equal(calls.length, 4);
    const args = calls.map((c) => (c as { args: AccessPath[] }).args);
    assert.ok(args.every((x) => x === args[0]) && Object.isFrozen(args[0]), 'one args list');
    assert.equal(new Set(calls).size, 4, 'events stay their own (they are keys)');
    assert.equal(a.functions[0].params, b.functions[0].params);
    assert.ok(Object.isFrozen(a.functions[0].params[0]));
  });
}
