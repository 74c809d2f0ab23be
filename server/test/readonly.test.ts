// Nothing written, nothing executed. The CLI (in-process through main(), and
// the bin once as a child process) runs check / explain / facts / patch on a
// fixture tree made read-only, with the facts cache pointed outside the tree;
// afterwards every file's mtime and content hash are unchanged and no file
// has appeared. Root ignores permissions, so under root the same snapshot
// comparison is the check. Configuration strings that look like commands are
// data; bad input exits 2 with one line on stderr and no stack trace.
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as cp from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../src/cli/main';

const IS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0;
const BIN = path.resolve(__dirname, '../../bin/lockscope.js');

const DRIVER = `#include "frob.h"

static DEFINE_SPINLOCK(frob_a);
static DEFINE_SPINLOCK(frob_b);

void frob_one(void)
{
	spin_lock(&frob_a);
	spin_lock(&frob_b);
	spin_unlock(&frob_b);
	spin_unlock(&frob_a);
}

void frob_two(void)
{
	spin_lock(&frob_b);
	spin_lock(&frob_a);
	spin_unlock(&frob_a);
	spin_unlock(&frob_b);
}
`;

const OTHER = `static DEFINE_MUTEX(m1);
static DEFINE_MUTEX(m2);

void other_one(void)
{
	mutex_lock(&m1);
	mutex_unlock(&m1);
}

void other_two(void)
{
	mutex_lock(&m2);
	mutex_unlock(&m2);
}
`;

// Adds m1 -> m2 in other_one and m2 -> m1 in other_two: introduces an inversion.
const PATCH = `diff --git a/drivers/other.c b/drivers/other.c
--- a/drivers/other.c
+++ b/drivers/other.c
@@ -4,11 +4,15 @@ static DEFINE_MUTEX(m2);
 void other_one(void)
 {
 \tmutex_lock(&m1);
+\tmutex_lock(&m2);
+\tmutex_unlock(&m2);
 \tmutex_unlock(&m1);
 }
 
 void other_two(void)
 {
 \tmutex_lock(&m2);
+\tmutex_lock(&m1);
+\tmutex_unlock(&m1);
 \tmutex_unlock(&m2);
 }
`;

/** Strings that a shell would run; the loader must see them as plain data. */
const MARKER = path.join(os.tmpdir(), `lockscope-readonly-marker-${process.pid}`);
const COMMANDISH = [`$(touch ${MARKER})`, `\`touch ${MARKER}\``, `; touch ${MARKER}`, `| touch ${MARKER}`];

let work: string;
let root: string;
let cacheDir: string;
let savedCache: string | undefined;

interface Snapshot {
  [file: string]: { mtimeMs: number; mode: number; sha1?: string };
}

function snapshot(dir: string): Snapshot {
  const out: Snapshot = {};
  const walk = (d: string): void => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name);
      const st = fs.lstatSync(p);
      const rel = path.relative(dir, p);
      if (st.isDirectory()) {
        out[`${rel}/`] = { mtimeMs: st.mtimeMs, mode: st.mode };
        walk(p);
      } else {
        out[rel] = { mtimeMs: st.mtimeMs, mode: st.mode, sha1: crypto.createHash('sha1').update(fs.readFileSync(p)).digest('hex') };
      }
    }
  };
  walk(dir);
  return out;
}

function chmodTree(dir: string, writable: boolean): void {
  const walk = (d: string): void => {
    for (const name of fs.readdirSync(d)) {
      const p = path.join(d, name);
      if (fs.lstatSync(p).isDirectory()) walk(p);
      else fs.chmodSync(p, writable ? 0o644 : 0o444);
    }
    fs.chmodSync(d, writable ? 0o755 : 0o555);
  };
  walk(dir);
}

async function run(argv: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const saved = process.cwd();
  if (cwd) process.chdir(cwd);
  try {
    const code = await main(argv, { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; } });
    return { code, stdout, stderr };
  } finally {
    if (cwd) process.chdir(saved);
  }
}

function assertOneLineError(r: { code: number; stderr: string }, what: RegExp): void {
  assert.equal(r.code, 2, `exit status (stderr: ${r.stderr})`);
  assert.match(r.stderr, /^lockscope( patch)?: [^\n]+\n$/, 'exactly one line on stderr');
  assert.doesNotMatch(r.stderr, /    at /, 'no stack trace');
  assert.match(r.stderr, what);
}

before(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'lockscope-readonly-'));
  root = path.join(work, 'tree');
  fs.mkdirSync(path.join(root, 'drivers'), { recursive: true });
  fs.writeFileSync(path.join(root, 'drivers', 'frob.c'), DRIVER);
  fs.writeFileSync(path.join(root, 'drivers', 'frob.h'), '#define frob_lock(x) spin_lock(&(x)->lock)\n');
  fs.writeFileSync(path.join(root, 'drivers', 'other.c'), OTHER);
  fs.writeFileSync(path.join(root, 'README'), 'not C\n');
  fs.writeFileSync(path.join(root, 'other.patch'), PATCH);
  // Command-looking strings in every free-text field the loader accepts.
  fs.writeFileSync(path.join(root, '.lockscope.json'), JSON.stringify({
    exclude: COMMANDISH,
    suppress: [{ rule: '*', lock: COMMANDISH[0], reason: COMMANDISH[1] }],
    api: { remove: COMMANDISH },
    ops: [{ structType: 'frob_ops', field: 'reset', ctx: 'process', held: COMMANDISH }],
  }, null, 2));
  cacheDir = path.join(work, 'cache');
  savedCache = process.env.LOCKSCOPE_CACHE_DIR;
  process.env.LOCKSCOPE_CACHE_DIR = cacheDir;
  chmodTree(root, false);
});

after(() => {
  if (savedCache === undefined) delete process.env.LOCKSCOPE_CACHE_DIR;
  else process.env.LOCKSCOPE_CACHE_DIR = savedCache;
  chmodTree(root, true);
  fs.rmSync(work, { recursive: true, force: true });
  fs.rmSync(MARKER, { force: true });
});

test('check / explain / facts / patch on a read-only tree write nothing in it and run nothing', { timeout: 120_000 }, async () => {
  const snap = snapshot(root);
  if (!IS_ROOT) {
    assert.throws(() => fs.writeFileSync(path.join(root, 'probe'), 'x'), /EACCES/, 'the tree is read-only');
  }

  // check, in-process (few files) and through the worker pool with the cache (--jobs 2).
  const check = await run(['check', root, '--format', 'json']);
  assert.equal(check.code, 1, check.stderr);
  const findings = (JSON.parse(check.stdout) as { findings: Array<{ rule: string; location: { file: string; line: number } }> }).findings;
  const abba = findings.find((f) => f.rule === 'lock-order-inversion');
  assert.ok(abba, 'the AB-BA in frob.c is found');
  const pooled = await run(['check', root, '--format', 'sarif', '--jobs', '2']);
  assert.equal(pooled.code, 1, pooled.stderr);
  assert.ok(fs.existsSync(cacheDir), 'the cache went to LOCKSCOPE_CACHE_DIR, outside the tree');

  // explain the finding, run from inside the tree with relative paths.
  const rel = path.relative(root, abba.location.file);
  const explain = await run(['explain', `${rel}:${abba.location.line}`, '.'], root);
  assert.equal(explain.code, 0, explain.stderr);
  assert.match(explain.stdout, /frob_a|frob_b/);

  // facts of one file.
  const facts = await run(['facts', path.join(root, 'drivers', 'frob.c')]);
  assert.equal(facts.code, 0, facts.stderr);
  assert.ok(JSON.parse(facts.stdout));

  // patch: introduces the m1/m2 inversion.
  const patch = await run(['patch', path.join(root, 'other.patch'), '--root', root, '--format', 'json']);
  assert.equal(patch.code, 1, `${patch.stderr}${patch.stdout}`);

  // The bin once, as a child process, from inside the tree.
  const child = cp.spawnSync(process.execPath, [BIN, 'check', '.', '--format', 'text'], {
    cwd: root, encoding: 'utf8', env: { ...process.env, LOCKSCOPE_CACHE_DIR: cacheDir }, timeout: 60_000,
  });
  assert.equal(child.status, 1, child.stderr);
  assert.match(child.stdout, /lock-order-inversion/);

  assert.deepEqual(snapshot(root), snap, 'every file, mtime and mode unchanged; no new file in the tree');
  assert.equal(fs.existsSync(MARKER), false, 'no command in the configuration ran');
});

test('a configuration string that looks like a command in an identifier field is rejected as data (exit 2, one line)', async () => {
  const dir = path.join(work, 'badcfg');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'a.c'), DRIVER);
  for (const [i, s] of COMMANDISH.entries()) {
    const cfg = path.join(dir, `cfg${i}.json`);
    fs.writeFileSync(cfg, JSON.stringify({ initOnly: [s], api: { add: [{ fn: s, op: 'acquire' }] } }));
    const r = await run(['check', dir, '--config', cfg]);
    assertOneLineError(r, /is not a C identifier/);
  }
  assert.equal(fs.existsSync(MARKER), false, 'no command in the configuration ran');
});

test('a key or identifier with line breaks and control characters is quoted, escaped, in a one-line message', async () => {
  const dir = path.join(work, 'newlinecfg');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'a.c'), DRIVER);
  const key = path.join(dir, 'key.json');
  fs.writeFileSync(key, JSON.stringify({ '\nly\u001b[31m': 1 }));
  const r1 = await run(['check', dir, '--config', key]);
  assertOneLineError(r1, /unknown key "\\nly\\u001b\[31m" \(known: /);
  const ident = path.join(dir, 'ident.json');
  fs.writeFileSync(ident, JSON.stringify({ initOnly: ['probe\r\nfake: line'] }));
  const r2 = await run(['check', dir, '--config', ident]);
  assertOneLineError(r2, /initOnly\[0\]: "probe\\r\\nfake: line" is not a C identifier/);
});

test('bad input: exit 2, one line on stderr, no stack trace', async () => {
  const dir = path.join(work, 'bad');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'ok.c'), DRIVER);
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'not C\n');
  fs.writeFileSync(path.join(dir, 'bad.json'), '{"rules": {"lock-order-inversion": "loud"}}');
  fs.writeFileSync(path.join(dir, 'broken.json'), '{"rules": ');
  fs.writeFileSync(path.join(dir, 'garbage.patch'), 'this is not a patch\n');
  fs.writeFileSync(path.join(dir, 'nomatch.patch'), PATCH.replace(/other/g, 'absent'));
  fs.symlinkSync(path.join(dir, 'nowhere.c'), path.join(dir, 'dangling.c'));

  assertOneLineError(await run(['check', path.join(dir, 'does-not-exist')]), /does-not-exist: not found/);
  assertOneLineError(await run(['check', path.join(dir, 'notes.txt')]), /not a C file/);
  assertOneLineError(await run(['facts', path.join(dir, 'notes.txt')]), /not a C file/);
  assertOneLineError(await run(['check', path.join(dir, 'dangling.c')]), /dangling\.c: not found/);
  assertOneLineError(await run(['check', dir, '--config', path.join(dir, 'bad.json')]), /rules\.lock-order-inversion/);
  assertOneLineError(await run(['check', dir, '--config', path.join(dir, 'broken.json')]), /invalid JSON/);
  assertOneLineError(await run(['check', dir, '--config', path.join(dir, 'missing.json')]), /cannot read configuration/);
  assertOneLineError(await run(['patch', path.join(dir, 'garbage.patch'), '--root', dir]), /not a patch/);
  assertOneLineError(await run(['patch', path.join(dir, 'missing.patch'), '--root', dir]), /cannot read/);
  assertOneLineError(await run(['patch', path.join(dir, 'nomatch.patch'), '--root', dir]), /absent/);
  assertOneLineError(await run(['explain', 'nowhere.c:3']), /not found/);
  // Bad usage (not bad input) adds the usage line: still exit 2, no stack trace.
  const usage = await run(['check', '--format', 'yaml']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /^lockscope: --format [^\n]+\nusage: [^\n]+\n$/);
  if (process.platform !== 'win32') {
    const fifo = path.join(dir, 'pipe.c');
    cp.execFileSync('mkfifo', [fifo]);
    assertOneLineError(await run(['check', fifo]), /not a regular file/);
  }
  if (!IS_ROOT) {
    // Root reads through any permission, so an unreadable file exists only for other users.
    const locked = path.join(dir, 'locked.c');
    fs.writeFileSync(locked, DRIVER);
    fs.chmodSync(locked, 0);
    const r = await run(['facts', locked]);
    assertOneLineError(r, /permission denied/);
  }
});
