// The run record (engine/runrecord.ts): a pooled `lockscope check` answers
// from the last run of the same paths when no file's facts changed, and runs
// the analysis again when any did. Driven through the CLI, as a user runs it.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const BIN = path.resolve(__dirname, '../../bin/lockscope.js');

// Two paths of one driver take the same two locks in opposite orders.
const DRIVER = `struct xyz_dev {
	spinlock_t cfg_lock;
	spinlock_t stat_lock;
	int cfg;
	int stat;
};

void xyz_update_cfg(struct xyz_dev *d)
{
	spin_lock(&d->cfg_lock);
	spin_lock(&d->stat_lock);
	d->cfg++;
	spin_unlock(&d->stat_lock);
	spin_unlock(&d->cfg_lock);
}

void xyz_update_stat(struct xyz_dev *d)
{
	spin_lock(&d->stat_lock);
	spin_lock(&d->cfg_lock);
	d->stat++;
	spin_unlock(&d->cfg_lock);
	spin_unlock(&d->stat_lock);
}
`;

const HELPER = `int xyz_helper(int x)
{
	return x + 1;
}
`;

interface Json {
  findings: Array<{ rule: string; location: { file: string; line: number }; suppressed?: { reason: string } }>;
  stats: { reused?: { recordedAt: string }; files: number };
}

function setup(): { dir: string; cache: string; check: (...extra: string[]) => Json } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lockscope-rr-'));
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'lockscope-rr-cache-'));
  fs.writeFileSync(path.join(dir, 'xyz_main.c'), DRIVER);
  fs.writeFileSync(path.join(dir, 'xyz_util.c'), HELPER);
  const check = (...extra: string[]): Json => {
    // --jobs 1: the pooled path, which keeps the cache and the record.
    const r = spawnSync(process.execPath, [BIN, 'check', '.', '--jobs', '1', '--format', 'json', ...extra], {
      cwd: dir, env: { ...process.env, LOCKSCOPE_CACHE_DIR: cache }, encoding: 'utf8',
    });
    assert.ok(r.status === 0 || r.status === 1, `exit ${r.status}: ${r.stderr}`);
    return JSON.parse(r.stdout) as Json;
  };
  return { dir, cache, check };
}

const summary = (j: Json): string[] => j.findings.map((f) => `${f.rule} ${f.location.file}:${f.location.line}${f.suppressed ? ' (suppressed)' : ''}`);

test('a second run of the same paths answers from the record, with the same findings', () => {
  const { check } = setup();
  const first = check();
  assert.equal(first.stats.reused, undefined);
  assert.deepEqual(summary(first), ['lock-order-inversion xyz_main.c:11']);
  const second = check();
  assert.ok(second.stats.reused, 'reused');
  assert.deepEqual(summary(second), summary(first));
});

test('a comment added to a file leaves its facts, and the findings, as recorded', () => {
  const { dir, check } = setup();
  const first = check();
  fs.appendFileSync(path.join(dir, 'xyz_main.c'), '\n/* reviewed: both paths run in process context */\n');
  const second = check();
  assert.ok(second.stats.reused, 'a comment changes no facts');
  assert.deepEqual(summary(second), summary(first));
});

test('an inline suppression in a changed file is read from its new text', () => {
  const { dir, check } = setup();
  check();
  const file = path.join(dir, 'xyz_main.c');
  // On the line above the finding, without moving any line: the facts stay the same.
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  lines[9] += ' /* lockscope: ignore lock-order-inversion -- cfg and stat are never held together in production */';
  fs.writeFileSync(file, lines.join('\n'));
  const hidden = check();
  assert.ok(hidden.stats.reused);
  assert.deepEqual(summary(hidden), []);
  const shown = check('--show-suppressed');
  assert.deepEqual(summary(shown), ['lock-order-inversion xyz_main.c:11 (suppressed)']);
  assert.match(shown.findings[0].suppressed!.reason, /never held together/);
});

test('a change to the code runs the analysis again', () => {
  const { dir, check } = setup();
  check();
  // The second path now takes the locks in the same order as the first: no inversion.
  const file = path.join(dir, 'xyz_main.c');
  const fixed = DRIVER.replace(
    'spin_lock(&d->stat_lock);\n\tspin_lock(&d->cfg_lock);\n\td->stat++;',
    'spin_lock(&d->cfg_lock);\n\tspin_lock(&d->stat_lock);\n\td->stat++;',
  );
  assert.notEqual(fixed, DRIVER);
  fs.writeFileSync(file, fixed);
  const after = check();
  assert.equal(after.stats.reused, undefined, 'facts changed: not reused');
  assert.deepEqual(summary(after), []);
  // A file added is a new program too.
  fs.writeFileSync(path.join(dir, 'xyz_more.c'), HELPER.replace('xyz_helper', 'xyz_helper2'));
  const added = check();
  assert.equal(added.stats.reused, undefined);
  assert.equal(added.stats.files, 3);
});

test('other options, or --no-cache, do not read the record', () => {
  const { cache, check } = setup();
  check();
  assert.equal(check('--all').stats.reused, undefined, '--all is another result');
  assert.equal(check('--no-cache').stats.reused, undefined);
  // A damaged record is ignored, not trusted: the analysis runs and writes a good one.
  const runs = path.join(cache, 'runs-v1');
  for (const f of fs.readdirSync(runs)) fs.writeFileSync(path.join(runs, f), '{"format": 1, "key": ');
  const after = check();
  assert.equal(after.stats.reused, undefined);
  assert.deepEqual(summary(after), ['lock-order-inversion xyz_main.c:11']);
  assert.ok(check().stats.reused);
});
