import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FileFacts } from '../src/extract/ir';
import { CACHE_FORMAT, contentHash, defaultCacheDir, FactsCache, pruneCache } from '../src/engine/cache';

function facts(file: string, text: string, n = 1): FileFacts {
  return {
    file,
    hash: contentHash(text),
    functions: Array.from({ length: n }, (_, i) => ({
      name: `f${i}`, file, site: { file, line: i + 1, column: 1 }, isStatic: false, initOnly: false,
      annotations: [], params: [], blocks: [{ events: [], succ: [] }], exit: 0, gaps: [],
    })),
    structs: [], typedefs: [], globals: [], macros: [], bindings: [], registrations: [],
    lockSites: n, errorNodes: 0, gaps: [],
  };
}

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'lockscope-cache-'));

test('cache dir: LOCKSCOPE_CACHE_DIR, then XDG_CACHE_HOME/lockscope, then ~/.cache/lockscope', () => {
  assert.equal(defaultCacheDir({ LOCKSCOPE_CACHE_DIR: '/a', XDG_CACHE_HOME: '/b' }, '/h'), '/a');
  assert.equal(defaultCacheDir({ XDG_CACHE_HOME: '/b' }, '/h'), '/b/lockscope');
  assert.equal(defaultCacheDir({}, '/h'), '/h/.cache/lockscope');
});

test('round trip; key covers engine, fingerprint, path and content', () => {
  const dir = tmp();
  const c = new FactsCache({ dir, engine: 'e1', fingerprint: 'fp1' });
  const f = facts('a.c', 'int a;');
  assert.equal(c.get('a.c', f.hash), undefined);
  assert.equal(c.put('a.c', f.hash, f), true);
  assert.deepEqual(c.get('a.c', f.hash), f);
  assert.equal(c.get('b.c', f.hash), undefined, 'other path');
  assert.equal(new FactsCache({ dir, engine: 'e2', fingerprint: 'fp1' }).get('a.c', f.hash), undefined);
  assert.equal(new FactsCache({ dir, engine: 'e1', fingerprint: 'fp2' }).get('a.c', f.hash), undefined);
  assert.deepEqual(c.stats, { hits: 1, misses: 2, corrupt: 0, writes: 1, writeErrors: 0 });
  // No temporary files left behind.
  const all = fs.readdirSync(dir, { recursive: true }) as string[];
  assert.equal(all.filter((n) => n.endsWith('.tmp')).length, 0);
});

test('truncated, bit-flipped, wrong-header and empty entries are detected, removed and rebuilt', () => {
  const dir = tmp();
  const c = new FactsCache({ dir, engine: 'e', fingerprint: 'f' });
  const f = facts('x.c', 'int x;', 20);
  const p = c.entryPath('x.c', f.hash);
  const good = (): Buffer => {
    c.put('x.c', f.hash, f);
    return fs.readFileSync(p);
  };
  const damage: Array<[string, (b: Buffer) => Buffer]> = [
    ['truncated', (b) => b.subarray(0, b.length - 7)],
    ['header only', (b) => b.subarray(0, b.indexOf(10) + 1)],
    ['empty', () => Buffer.alloc(0)],
    ['bit flip in payload', (b) => { const d = Buffer.from(b); d[d.length - 20] ^= 0x01; return d; }],
    ['garbage header', (b) => Buffer.concat([Buffer.from('{not json\n'), b.subarray(b.indexOf(10) + 1)])],
    ['other format', (b) => Buffer.from(b.toString('utf8').replace('"format":1', '"format":0'))],
    ['appended bytes', (b) => Buffer.concat([b, Buffer.from('xx')])],
  ];
  let corrupt = 0;
  for (const [what, hurt] of damage) {
    fs.writeFileSync(p, hurt(good()));
    assert.equal(c.get('x.c', f.hash), undefined, what);
    assert.equal(c.stats.corrupt, ++corrupt, what);
    assert.equal(fs.existsSync(p), false, `${what}: corrupt entry removed`);
    // Rebuilt by the caller, then trusted again.
    c.put('x.c', f.hash, f);
    assert.deepEqual(c.get('x.c', f.hash), f, `${what}: rebuilt`);
  }
});

test('prune: namespaces unused for 14 days and older layouts go, the rest stays', () => {
  const dir = tmp();
  const f = facts('a.c', 'int a;');
  const old = new FactsCache({ dir, engine: 'old-engine', fingerprint: 'f' });
  const cur = new FactsCache({ dir, engine: 'new-engine', fingerprint: 'f' });
  assert.notEqual(old.namespace, cur.namespace);
  for (const c of [old, cur]) {
    c.touch();
    c.put('a.c', f.hash, f);
  }
  const day = 24 * 3600 * 1000;
  const past = new Date(Date.now() - 20 * day);
  fs.utimesSync(path.join(dir, `facts-v${CACHE_FORMAT}`, old.namespace, '.used'), past, past);
  fs.mkdirSync(path.join(dir, `facts-v${CACHE_FORMAT - 1 || 99}`, 'x'), { recursive: true });
  assert.equal(pruneCache(dir), 2);
  assert.equal(old.get('a.c', f.hash), undefined);
  assert.deepEqual(cur.get('a.c', f.hash), f);
  assert.equal(pruneCache(dir), 0);
  assert.equal(pruneCache(path.join(dir, 'missing')), 0, 'no cache yet: nothing to do, no throw');
});

test('valid checksum over facts for another file is not trusted', () => {
  const dir = tmp();
  const c = new FactsCache({ dir, engine: 'e', fingerprint: 'f' });
  const f = facts('x.c', 'int x;');
  c.putText('x.c', f.hash, JSON.stringify({ ...f, file: 'y.c' }));
  assert.equal(c.get('x.c', f.hash), undefined);
  assert.equal(c.stats.corrupt, 1);
});

test('an unwritable cache dir never throws', () => {
  const dir = tmp();
  const blocker = path.join(dir, 'file');
  fs.writeFileSync(blocker, 'not a dir');
  const c = new FactsCache({ dir: blocker, engine: 'e', fingerprint: 'f' });
  const f = facts('a.c', 'int a;');
  assert.equal(c.put('a.c', f.hash, f), false);
  assert.equal(c.get('a.c', f.hash), undefined);
  assert.equal(c.stats.writeErrors, 1);
});

// Child mode: write the same entries repeatedly, reading back and checking as it goes.
const CHILD = process.env.LOCKSCOPE_CACHE_CHILD;
if (CHILD) {
  const c = new FactsCache({ dir: CHILD, engine: 'e', fingerprint: 'f' });
  let bad = 0;
  for (let round = 0; round < 60; round++) {
    for (let i = 0; i < 8; i++) {
      const f = facts(`f${i}.c`, `int v${i};`, 200 + i);
      c.put(f.file, f.hash, f);
      const back = c.get(f.file, f.hash);
      if (back && back.functions.length !== f.functions.length) bad++;
    }
  }
  process.send!({ bad, stats: c.stats }, () => process.exit(0));
} else {
  test('two processes writing the same entries concurrently leave only valid entries', async () => {
    const dir = tmp();
    const run = (): Promise<{ bad: number; stats: { corrupt: number; writes: number } }> =>
      new Promise((resolve, reject) => {
        const child = fork(__filename, [], { env: { ...process.env, LOCKSCOPE_CACHE_CHILD: dir }, stdio: 'ignore' });
        child.once('message', (m) => resolve(m as never));
        child.once('error', reject);
        child.once('exit', (code) => { if (code !== 0) reject(new Error(`child exited ${code}`)); });
      });
    const [a, b] = await Promise.all([run(), run()]);
    assert.equal(a.bad + b.bad, 0);
    assert.equal(a.stats.corrupt + b.stats.corrupt, 0, 'a reader never saw half an entry');
    assert.equal(a.stats.writes + b.stats.writes, 2 * 60 * 8);
    const c = new FactsCache({ dir, engine: 'e', fingerprint: 'f' });
    for (let i = 0; i < 8; i++) {
      const f = facts(`f${i}.c`, `int v${i};`, 200 + i);
      assert.deepEqual(c.get(f.file, f.hash), f);
    }
    assert.equal(c.stats.corrupt, 0);
    const names = fs.readdirSync(dir, { recursive: true }) as string[];
    assert.equal(names.filter((n) => n.endsWith('.tmp')).length, 0);
  });
}
