// lockscope.server.checkPatch over stdio: the real server on a temporary git
// repository holding a small kernel-style driver. The working tree adds an
// AB-BA (introduced, at its line, on disk); a patch that undoes it reports it
// fixed; broken input comes back as a one-line error; the tree (and .git)
// is byte for byte the same afterwards.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StdioLspClient, uriOf } from '../src/lsp/stdioClient';
import type { CheckPatchArgs, CheckPatchResult } from '../src/protocol/messages';

const CHECK_PATCH = 'lockscope.server.checkPatch';
const DRIVER = 'drivers/misc/zap/zap_main.c';

const CLEAN = [
  '// SPDX-License-Identifier: GPL-2.0',
  '#include <linux/spinlock.h>',
  '',
  'struct zap_dev {',
  '\tspinlock_t tx_lock;',
  '\tspinlock_t stats_lock;',
  '\tunsigned long tx_packets;',
  '\tunsigned long tx_bytes;',
  '};',
  '',
  'void zap_xmit(struct zap_dev *zd, unsigned int len)',
  '{',
  '\tspin_lock(&zd->tx_lock);',
  '\tspin_lock(&zd->stats_lock);',
  '\tzd->tx_packets++;',
  '\tzd->tx_bytes += len;',
  '\tspin_unlock(&zd->stats_lock);',
  '\tspin_unlock(&zd->tx_lock);',
  '}',
  '',
];

/** The working-tree change: a reset path that takes the two locks the other way round. */
const RESET_BAD = [
  'void zap_reset_stats(struct zap_dev *zd)',
  '{',
  '\tspin_lock(&zd->stats_lock);',
  '\tspin_lock(&zd->tx_lock);',
  '\tzd->tx_packets = 0;',
  '\tzd->tx_bytes = 0;',
  '\tspin_unlock(&zd->tx_lock);',
  '\tspin_unlock(&zd->stats_lock);',
  '}',
  '',
];
const RESET_FIXED = [
  'void zap_reset_stats(struct zap_dev *zd)',
  '{',
  '\tspin_lock(&zd->tx_lock);',
  '\tspin_lock(&zd->stats_lock);',
  '\tzd->tx_packets = 0;',
  '\tzd->tx_bytes = 0;',
  '\tspin_unlock(&zd->stats_lock);',
  '\tspin_unlock(&zd->tx_lock);',
  '}',
  '',
];

const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Zap Dev',
  GIT_AUTHOR_EMAIL: 'zap@example.org',
  GIT_COMMITTER_NAME: 'Zap Dev',
  GIT_COMMITTER_EMAIL: 'zap@example.org',
};

/** Every file under root (.git included) with its bytes, to show nothing was written. */
function snapshot(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.set(path.relative(root, full), fs.readFileSync(full).toString('base64'));
    }
  };
  walk(root);
  return files;
}

/** A unified diff of one file's two versions, as `diff -u` writes it with git's a/ b/ names. */
function unifiedDiff(file: string, from: string, to: string, tmp: string): string {
  const a = path.join(tmp, 'from.c');
  const b = path.join(tmp, 'to.c');
  fs.writeFileSync(a, from);
  fs.writeFileSync(b, to);
  const r = spawnSync('diff', ['-u', '--label', `a/${file}`, '--label', `b/${file}`, a, b], { encoding: 'utf8' });
  assert.equal(r.status, 1, `diff -u found differences: ${r.stderr}`);
  return r.stdout;
}

function lineOf(text: string, needle: string, from = 0): number {
  const lines = text.split('\n');
  const i = lines.findIndex((l, n) => n >= from && l.includes(needle));
  assert.ok(i >= 0, `fixture has "${needle}"`);
  return i;
}

describe('lsp over stdio: lockscope.server.checkPatch', () => {
  let tmp: string;
  let ws: string;
  let c: StdioLspClient;
  let worktree: string;
  let before_: Map<string, string>;
  const stderr: string[] = [];

  const check = (args: Partial<CheckPatchArgs>) => c.executeCommand<CheckPatchResult>(CHECK_PATCH, [{ root: ws, ...args }]);

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lockscope-lsp-patch-'));
    ws = path.join(tmp, 'ws');
    fs.mkdirSync(path.join(ws, path.dirname(DRIVER)), { recursive: true });
    fs.writeFileSync(path.join(ws, DRIVER), CLEAN.join('\n'));
    const git = (...args: string[]) => execFileSync('git', ['-C', ws, ...args], { encoding: 'utf8', env: GIT_ENV });
    git('init', '-q');
    git('add', DRIVER);
    git('commit', '-q', '-m', 'zap: transmit path');
    worktree = [...CLEAN, ...RESET_BAD].join('\n');
    fs.writeFileSync(path.join(ws, DRIVER), worktree);
    before_ = snapshot(ws);

    c = new StdioLspClient({ root: ws, settings: {}, stderr: (s) => stderr.push(s) });
    const init = await c.initialize();
    const commands = (init.capabilities.executeCommandProvider as { commands: string[] }).commands;
    assert.ok(commands.includes(CHECK_PATCH), 'advertised');
  });

  after(async () => {
    await c?.shutdown();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('working tree against HEAD: the AB-BA is introduced, located on disk, with its explanation', async () => {
    const r = await check({ workingTree: true });
    assert.equal(r.error, undefined, r.error);
    assert.equal(r.source, 'working tree');
    assert.equal(r.fixed.length, 0);
    assert.equal(r.unchanged, 0);
    assert.equal(r.introduced.length, 1, JSON.stringify(r.introduced.map((f) => f.message)));
    const f = r.introduced[0];
    assert.equal(f.rule, 'lock-order-inversion');
    assert.deepEqual([...f.locks].sort(), ['zap_dev.stats_lock', 'zap_dev.tx_lock']);
    assert.deepEqual([...f.functions].sort(), ['zap_reset_stats', 'zap_xmit']);
    assert.equal(f.location.file, DRIVER);
    // findingToJson's shape: 1-based line and column, related steps, the witness
    const sites = [lineOf(worktree, '\tspin_lock(&zd->tx_lock);', CLEAN.length), lineOf(worktree, '\tspin_lock(&zd->stats_lock);')];
    assert.ok(sites.includes(f.location.line - 1), `at one of the acquisitions: ${f.location.line}`);
    assert.equal(f.confirmed, true);
    assert.ok((f.witness ?? []).some((w) => w.function === 'zap_reset_stats' && w.blocked));
    assert.ok(f.related.length >= 2);
    // the client's location: the file on disk (the working tree is the patched version)
    assert.equal(f.version, 'tree');
    assert.equal(f.loc.uri, uriOf(path.join(ws, DRIVER)));
    assert.equal(f.loc.line, f.location.line - 1);
    assert.equal(f.loc.character, f.location.column - 1);
    assert.ok(f.loc.endCharacter! > f.loc.character, 'the range covers the call');
    // the explanation comes from the patch's own analysis
    const x = f.explanation;
    assert.equal(x.rule, 'lock-order-inversion');
    assert.ok(x.witness.length >= 4 && x.cpus.length === 2);
    assert.deepEqual(x.location, f.loc);
    assert.match(x.markdown, /zap_reset_stats/);
    assert.match(x.markdown, /DEADLOCK|deadlock/);
  });

  test('a patch that puts the locks back in order reports the AB-BA fixed', async () => {
    const fixedText = [...CLEAN, ...RESET_FIXED].join('\n');
    const patch = unifiedDiff(DRIVER, worktree, fixedText, fs.mkdtempSync(path.join(tmp, 'diff-')));
    const r = await check({ patchText: patch, source: 'fix-order.patch' });
    assert.equal(r.error, undefined, r.error);
    assert.equal(r.source, 'fix-order.patch');
    assert.equal(r.introduced.length, 0);
    assert.equal(r.fixed.length, 1);
    assert.equal(r.fixed[0].rule, 'lock-order-inversion');
    assert.equal(r.fixed[0].version, 'tree', 'the fixed finding is in the tree as it is');
    assert.equal(r.fixed[0].loc.uri, uriOf(path.join(ws, DRIVER)));
    assert.equal(r.alreadyApplied, undefined);
  });

  test('a hunk that does not apply: a one-line error naming the file and the hunk', async () => {
    const fixedText = [...CLEAN, ...RESET_FIXED].join('\n');
    const good = unifiedDiff(DRIVER, worktree, fixedText, fs.mkdtempSync(path.join(tmp, 'diff-')));
    const corrupt = good.replace(/^ \tzd->tx_packets = 0;$/m, ' \tzd->tx_packets = 42;');
    assert.notEqual(corrupt, good);
    const r = await check({ patchText: corrupt, source: 'broken.patch' });
    assert.ok(r.error, 'an error');
    assert.ok(!r.error!.includes('\n'), 'one line');
    assert.ok(r.error!.includes(DRIVER), r.error);
    assert.match(r.error!, /hunk #1 \(@@ -\d+,\d+ \+\d+,\d+ @@\) does not apply/);
    assert.deepEqual([r.introduced, r.fixed, r.unchanged], [[], [], 0]);
  });

  test('not a patch, no input, not a git repository: errors, not crashes', async () => {
    const notPatch = await check({ patchText: 'Hello,\n\nplease apply.\n', source: 'mail.eml' });
    assert.match(notPatch.error ?? '', /^not a patch: no diff found in mail\.eml$/);
    const nothing = await check({});
    assert.match(nothing.error ?? '', /no patch given/);
    const plain = fs.mkdtempSync(path.join(tmp, 'plain-'));
    const noGit = await c.executeCommand<CheckPatchResult>(CHECK_PATCH, [{ root: plain, workingTree: true }]);
    assert.match(noGit.error ?? '', /^git: not a git repository/);
    const garbage = await c.executeCommand<CheckPatchResult>(CHECK_PATCH, [42]);
    assert.ok(garbage.error, 'a bad argument is an error too');
    // the server is still there
    const again = await check({ workingTree: true });
    assert.equal(again.introduced.length, 1);
  });

  test('the tree, .git included, is unchanged', () => {
    assert.deepEqual(snapshot(ws), before_);
    assert.equal(stderr.join('').includes('Error'), false, stderr.join(''));
  });
});
