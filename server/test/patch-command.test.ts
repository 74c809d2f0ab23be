import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AnalysisResult, SourceFile } from '../src/engine/api';
import type { Finding } from '../src/report/finding';
import { gitRevisionsPatch } from '../src/patch/git';
import { compareFindings, runPatchCommand, type AnalyzeSources, type PatchCommandArgs } from '../src/patch/command';
import { fixtureText, fixtureTree } from './patch-fixtures';

const FROB = 'drivers/misc/frob';

/**
 * Stand-in engine: a comment `FINDING(rule locks=a,b fns=f,g)` in a file is a
 * finding at that line. Lets these tests pin the command's own logic (which
 * files, before/after, matching, exit codes) apart from the analysis.
 */
function markerEngine(calls: SourceFile[][]): AnalyzeSources {
  return async (files) => {
    calls.push(files);
    const findings: Finding[] = [];
    for (const { file, text } of files) {
      text.split('\n').forEach((line, index) => {
        const marker = /FINDING\((\S+) locks=(\S+) fns=(\S+)\)/.exec(line);
        if (!marker) return;
        const [, rule, locks, fns] = marker;
        findings.push(fakeFinding(rule, locks.split(','), fns.split(','), file, index + 1));
      });
    }
    return { findings, stats: {} as AnalysisResult['stats'], skipped: [], facts: [], edges: [], lockSites: [] };
  };
}

function fakeFinding(rule: string, locks: string[], functions: string[], file: string, line: number): Finding {
  return {
    id: `${rule}:${locks.join('+')}`,
    rule: rule as Finding['rule'],
    severity: 'error',
    message: `${locks.join(' vs ')} in ${functions.join(', ')}`,
    locks,
    functions,
    location: { file, line, column: 2 },
    related: [],
    confirmed: true,
  };
}

let tempRoot: string;

/** A fresh tree under the temp dir with `files` written into it. */
function makeTree(name: string, files: ReadonlyMap<string, string>): string {
  const root = path.join(tempRoot, name);
  for (const [file, text] of files) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
  return root;
}

/** Every file under root with its content, to show nothing was written. */
function snapshot(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.set(path.relative(root, full), fs.readFileSync(full, 'utf8'));
    }
  };
  walk(root);
  return files;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  calls: SourceFile[][];
}

async function run(args: Partial<PatchCommandArgs> & { root: string; patch: string }): Promise<Run> {
  const calls: SourceFile[][] = [];
  let stdout = '';
  let stderr = '';
  const code = await runPatchCommand(
    { source: 'test.patch', format: 'text', ...args },
    { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) },
    markerEngine(calls),
  );
  return { code, stdout, stderr, calls };
}

/** The base frob tree with an unrelated driver beside it and a finding marker already present. */
function baseTree(): Map<string, string> {
  const tree = fixtureTree('before');
  const frobIrq = `${FROB}/frob_irq.c`;
  tree.set(frobIrq, tree.get(frobIrq)!.replace('\tdisable_irq(fd->irq);\n', '\tdisable_irq(fd->irq); /* FINDING(wait-under-lock locks=frob_dev.cfg_mutex fns=frob_quiesce) */\n'));
  tree.set('drivers/misc/other/other.c', '// SPDX-License-Identifier: GPL-2.0\nint other_probe(void) { return 0; }\n');
  tree.set(`${FROB}/README`, 'not C\n');
  return tree;
}

/** A patch adding an AB-BA marker to frob.c, moving frob_irq.c's marker down, and removing nothing. */
function markerPatch(): string {
  return [
    `diff --git a/${FROB}/frob.c b/${FROB}/frob.c`,
    `--- a/${FROB}/frob.c`,
    `+++ b/${FROB}/frob.c`,
    '@@ -21,6 +21,7 @@ int frob_submit(struct frob_dev *fd, unsigned int count)',
    ' static void frob_reset(struct frob_dev *fd)',
    ' {',
    ' \tmutex_lock(&fd->cfg_mutex);',
    '+\tspin_lock(&fd->queue_lock); /* FINDING(lock-order-inversion locks=frob_dev.queue_lock,frob_dev.cfg_mutex fns=frob_submit,frob_reset) */',
    ' \tfd->pending = 0;',
    ' \tmutex_unlock(&fd->cfg_mutex);',
    ' }',
    `diff --git a/${FROB}/frob_irq.c b/${FROB}/frob_irq.c`,
    `--- a/${FROB}/frob_irq.c`,
    `+++ b/${FROB}/frob_irq.c`,
    '@@ -3,4 +3,5 @@',
    ' #include "frob.h"',
    ' ',
    '+/* Quiesce the device: no interrupt runs after this. */',
    ' void frob_quiesce(struct frob_dev *fd)',
    ' {',
    '',
  ].join('\n');
}

before(() => {
  tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'lockscope-patch-command-'));
});

after(() => {
  fs.rmSync(tempRoot, { recursive: true, force: true });
});

test('introduced finding: exit 1, listed; a finding that only moved lines is unchanged; tree untouched', async () => {
  const root = makeTree('introduced', baseTree());
  const untouched = snapshot(root);
  const result = await run({ root, patch: markerPatch() });
  assert.equal(result.stderr, '');
  assert.equal(result.code, 1);
  assert.match(result.stdout, /\ntest\.patch: 1 introduced \(lock-order-inversion: 1\), 0 fixed, 1 unchanged\n$/);
  assert.match(result.stdout, /^introduced: drivers\/misc\/frob\/frob\.c:24:2: error: lock-order-inversion: /);
  assert.deepEqual(snapshot(root), untouched);
});

test('analyses the touched C files and their C neighbours, before and after', async () => {
  const root = makeTree('neighbours', baseTree());
  const result = await run({ root, patch: markerPatch() });
  assert.equal(result.calls.length, 2);
  const [beforeFiles, afterFiles] = result.calls.map((files) => files.map((file) => file.file));
  const expected = ['frob.c', 'frob.h', 'frob_irq.c', 'frob_legacy.c'].map((file) => `${FROB}/${file}`);
  assert.deepEqual(beforeFiles, expected);
  assert.deepEqual(afterFiles, expected);
  const frobC = (files: SourceFile[]) => files.find((file) => file.file === `${FROB}/frob.c`)!.text;
  assert.ok(!frobC(result.calls[0]).includes('FINDING'));
  assert.ok(frobC(result.calls[1]).includes('FINDING'));
});

test('JSON: version, introduced and fixed findings, unchanged count', async () => {
  const root = makeTree('json', baseTree());
  const result = await run({ root, patch: markerPatch(), format: 'json' });
  const report = JSON.parse(result.stdout) as { version: number; introduced: Finding[]; fixed: Finding[]; unchanged: number };
  assert.equal(report.version, 1);
  assert.deepEqual(report.introduced.map((finding) => finding.rule), ['lock-order-inversion']);
  assert.deepEqual(report.fixed, []);
  assert.equal(report.unchanged, 1);
  assert.equal(result.code, 1);
});

test('a patch already applied in the tree is compared against the tree without it', async () => {
  const tree = baseTree();
  const root = makeTree('applied', tree);
  const forward = await run({ root, patch: markerPatch() });
  assert.equal(forward.code, 1);
  // Write the patched tree, as it is right after `git commit`, then check the same patch.
  const patched = forward.calls[1];
  const appliedRoot = makeTree('applied-after', new Map([...tree, ...patched.map((file) => [file.file, file.text] as const)]));
  const again = await run({ root: appliedRoot, patch: markerPatch() });
  assert.equal(again.code, 1);
  assert.match(again.stdout, /1 introduced \(lock-order-inversion: 1\), 0 fixed, 1 unchanged/);
  assert.match(again.stdout, /^lockscope patch: test\.patch is already applied in .*: compared with the tree before it\n/);
  assert.deepEqual(again.calls.map((files) => files.map((file) => file.text)), forward.calls.map((files) => files.map((file) => file.text)));
});

test('a fixing patch exits 0 and lists the fixed finding', async () => {
  const root = makeTree('fixed', baseTree());
  const fix = [
    `--- a/${FROB}/frob_irq.c`,
    `+++ b/${FROB}/frob_irq.c`,
    '@@ -6,7 +6,7 @@ void frob_quiesce(struct frob_dev *fd)',
    ' {',
    ' \tmutex_lock(&fd->cfg_mutex);',
    '-\tdisable_irq(fd->irq); /* FINDING(wait-under-lock locks=frob_dev.cfg_mutex fns=frob_quiesce) */',
    '+\tdisable_irq(fd->irq);',
    ' \tfd->pending = 0;',
    ' \tenable_irq(fd->irq);',
    ' \tmutex_unlock(&fd->cfg_mutex);',
    ' }',
    '',
  ].join('\n');
  const result = await run({ root, patch: fix });
  assert.equal(result.code, 0);
  assert.match(result.stdout, /\ntest\.patch: 0 introduced, 1 fixed \(wait-under-lock: 1\), 0 unchanged\n$/);
  assert.match(result.stdout, /^fixed: drivers\/misc\/frob\/frob_irq\.c:8:2: error: wait-under-lock: /);
});

test('bad input exits 2 with a one-line message and runs no analysis', async () => {
  const root = makeTree('bad', baseTree());
  const notPatch = await run({ root, patch: 'just words\n', source: 'notes.txt' });
  assert.deepEqual([notPatch.code, notPatch.stderr, notPatch.stdout, notPatch.calls.length],
    [2, 'lockscope patch: not a patch: no diff found in notes.txt\n', '', 0]);

  const wrongTree = await run({ root, patch: fixtureText('series.mbox').replaceAll('frob_reset', 'frob_clear') });
  assert.equal(wrongTree.code, 2);
  assert.equal(wrongTree.stderr, `lockscope patch: ${FROB}/frob.c: hunk #1 (@@ -21,18 +21,24 @@) does not apply\n`);

  fs.writeFileSync(path.join(root, '.lockscope.json'), '{ "rules": 3 }');
  const badConfig = await run({ root, patch: markerPatch() });
  assert.equal(badConfig.code, 2);
  assert.match(badConfig.stderr, /^lockscope patch: .*\.lockscope\.json: rules: /);
});

test('paths that leave the tree are never read', async () => {
  const root = makeTree('escape', baseTree());
  fs.writeFileSync(path.join(tempRoot, 'outside.c'), 'int outside;\n');
  const escaping = ['--- a/../outside.c', '+++ b/../outside.c', '@@ -1 +1 @@', '-int outside;', '+int outside = 1;', ''].join('\n');
  const result = await run({ root, patch: escaping });
  assert.equal(result.code, 2);
  assert.equal(result.stderr, 'lockscope patch: ../outside.c: no such file\n');
});

test('compareFindings matches by rule, locks and functions, in any order, not by line', () => {
  const beforeFindings = [
    fakeFinding('lock-order-inversion', ['a.lock', 'b.lock'], ['f', 'g'], 'x.c', 10),
    fakeFinding('irq-inversion', ['c.lock'], ['h'], 'x.c', 20),
  ];
  const afterFindings = [
    fakeFinding('lock-order-inversion', ['b.lock', 'a.lock'], ['g', 'f'], 'x.c', 14),
    fakeFinding('recursive-lock', ['c.lock'], ['h'], 'x.c', 20),
  ];
  const delta = compareFindings(beforeFindings, afterFindings);
  assert.deepEqual(delta.introduced.map((finding) => finding.rule), ['recursive-lock']);
  assert.deepEqual(delta.fixed.map((finding) => finding.rule), ['irq-inversion']);
  assert.equal(delta.unchanged, 1);
});

test('git format-patch of a committed change, checked in the committed tree', async () => {
  const root = makeTree('git', baseTree());
  const git = (...args: string[]) => execFileSync('git', ['-C', root, ...args], {
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'F', GIT_AUTHOR_EMAIL: 'f@x', GIT_COMMITTER_NAME: 'F', GIT_COMMITTER_EMAIL: 'f@x' },
  });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'base');
  const frobLegacy = path.join(root, FROB, 'frob_legacy.c');
  fs.appendFileSync(frobLegacy, '/* FINDING(recursive-lock locks=frob_dev.queue_lock fns=frob_legacy_poke) */\n');
  git('commit', '-q', '-a', '-m', 'frob: poke twice');
  const text = gitRevisionsPatch(root, 'HEAD');
  assert.equal(typeof text, 'string');
  const result = await run({ root, patch: text as string, source: 'HEAD' });
  assert.equal(result.code, 1);
  assert.match(result.stdout, /^lockscope patch: HEAD is already applied in /);
  assert.match(result.stdout, /\nHEAD: 1 introduced \(recursive-lock: 1\), 0 fixed, 1 unchanged\n$/);
});

/** A small network driver: the stats lock nests inside the config mutex in wob_main.c. */
const WOB = 'drivers/net/wob';
const WOB_TREE = new Map([
  [`${WOB}/wob.h`, [
    '/* SPDX-License-Identifier: GPL-2.0 */',
    '#include <linux/spinlock.h>',
    '#include <linux/mutex.h>',
    '',
    'struct wob_priv {',
    '\tstruct mutex cfg_lock;',
    '\tspinlock_t stats_lock;',
    '\tunsigned long rx_packets;',
    '};',
    '',
  ].join('\n')],
  [`${WOB}/wob_main.c`, [
    '// SPDX-License-Identifier: GPL-2.0',
    '#include "wob.h"',
    '',
    'void wob_update_stats(struct wob_priv *wp)',
    '{',
    '\tmutex_lock(&wp->cfg_lock);',
    '\tspin_lock(&wp->stats_lock);',
    '\twp->rx_packets++;',
    '\tspin_unlock(&wp->stats_lock);',
    '\tmutex_unlock(&wp->cfg_lock);',
    '}',
    '',
  ].join('\n')],
  [`${WOB}/wob_ethtool.c`, [
    '// SPDX-License-Identifier: GPL-2.0',
    '#include "wob.h"',
    '',
    'unsigned long wob_get_rx(struct wob_priv *wp)',
    '{',
    '\tunsigned long rx;',
    '',
    '\tspin_lock(&wp->stats_lock);',
    '\trx = wp->rx_packets;',
    '\tspin_unlock(&wp->stats_lock);',
    '\treturn rx;',
    '}',
    '',
  ].join('\n')],
]);

/** Takes the config mutex inside the stats lock in the other file: AB-BA across files. */
const WOB_INVERSION_PATCH = [
  `diff --git a/${WOB}/wob_ethtool.c b/${WOB}/wob_ethtool.c`,
  'index 1111111..2222222 100644',
  `--- a/${WOB}/wob_ethtool.c`,
  `+++ b/${WOB}/wob_ethtool.c`,
  '@@ -6,6 +6,8 @@ unsigned long wob_get_rx(struct wob_priv *wp)',
  ' \tunsigned long rx;',
  ' ',
  ' \tspin_lock(&wp->stats_lock);',
  '+\tmutex_lock(&wp->cfg_lock);',
  ' \trx = wp->rx_packets;',
  '+\tmutex_unlock(&wp->cfg_lock);',
  ' \tspin_unlock(&wp->stats_lock);',
  ' \treturn rx;',
  ' }',
  '',
].join('\n');

async function runWithEngine(args: Partial<PatchCommandArgs> & { root: string; patch: string }): Promise<Omit<Run, 'calls'>> {
  let stdout = '';
  let stderr = '';
  const code = await runPatchCommand(
    { source: 'wob.patch', format: 'text', ...args },
    { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) },
  );
  return { code, stdout, stderr };
}

test('engine: a cross-file AB-BA introduced by the patch is reported with its witness', async () => {
  const root = makeTree('wob-introduced', WOB_TREE);
  const untouched = snapshot(root);
  const json = await runWithEngine({ root, patch: WOB_INVERSION_PATCH, format: 'json' });
  assert.equal(json.stderr, '');
  assert.equal(json.code, 1);
  const report = JSON.parse(json.stdout) as { version: number; introduced: Array<{ rule: string; locks: string[]; functions: string[]; witness?: unknown[] }>; fixed: unknown[]; unchanged: number };
  assert.equal(report.version, 1);
  // The inner mutex_lock() under the spinlock is also a sleep in atomic context: two findings, both introduced.
  assert.deepEqual(report.introduced.map((f) => f.rule).sort(), ['lock-order-inversion', 'sleep-in-atomic']);
  const finding = report.introduced.find((f) => f.rule === 'lock-order-inversion')!;
  const sleep = report.introduced.find((f) => f.rule === 'sleep-in-atomic')!;
  assert.deepEqual([sleep.locks, sleep.functions], [['wob_priv.stats_lock'], ['wob_get_rx']]);
  assert.deepEqual([...finding.locks].sort(), ['wob_priv.cfg_lock', 'wob_priv.stats_lock']);
  assert.deepEqual([...finding.functions].sort(), ['wob_get_rx', 'wob_update_stats']);
  assert.ok(finding.witness && finding.witness.length > 0, 'confirmed with a witness');
  assert.deepEqual([report.fixed, report.unchanged], [[], 0]);

  const text = await runWithEngine({ root, patch: WOB_INVERSION_PATCH });
  assert.match(text.stdout, /^introduced: drivers\/net\/wob\/wob_main\.c:\d+:\d+: error: lock-order-inversion: /m);
  assert.match(text.stdout, /^introduced: drivers\/net\/wob\/wob_ethtool\.c:9:2: error: sleep-in-atomic: wob_get_rx\(\) calls mutex_lock\(\), which may sleep, while holding the spinning lock wob_priv\.stats_lock/m);
  assert.match(text.stdout, /\*\*\* DEADLOCK \*\*\*/);

  const sarif = JSON.parse((await runWithEngine({ root, patch: WOB_INVERSION_PATCH, format: 'sarif' })).stdout) as { runs: Array<{ results: Array<{ ruleId: string }> }> };
  assert.deepEqual(sarif.runs[0].results.map((result) => result.ruleId).sort(), ['lock-order-inversion', 'sleep-in-atomic']);
  assert.deepEqual(snapshot(root), untouched);
});

test('engine: the reverse patch, applied to the patched tree, fixes it and exits 0', async () => {
  const patched = makeTree('wob-patched', new Map(WOB_TREE).set(`${WOB}/wob_ethtool.c`, WOB_TREE.get(`${WOB}/wob_ethtool.c`)!
    .replace('\trx = wp->rx_packets;\n', '\tmutex_lock(&wp->cfg_lock);\n\trx = wp->rx_packets;\n\tmutex_unlock(&wp->cfg_lock);\n')));
  const reverse = WOB_INVERSION_PATCH.replace('@@ -6,6 +6,8 @@', '@@ -6,8 +6,6 @@')
    .split('\n').map((line) => (line.startsWith('+\t') ? `-${line.slice(1)}` : line)).join('\n');
  const fixed = await runWithEngine({ root: patched, patch: reverse });
  assert.equal(fixed.code, 0);
  assert.match(fixed.stdout, /^fixed: .*lock-order-inversion/m);
  assert.match(fixed.stdout, /\nwob\.patch: 0 introduced, 2 fixed \(lock-order-inversion: 1, sleep-in-atomic: 1\), 0 unchanged\n$/);
});

test('engine: a patch that only moves the locking code keeps the finding unchanged', async () => {
  const inverted = new Map(WOB_TREE).set(`${WOB}/wob_ethtool.c`, WOB_TREE.get(`${WOB}/wob_ethtool.c`)!
    .replace('\trx = wp->rx_packets;\n', '\tmutex_lock(&wp->cfg_lock);\n\trx = wp->rx_packets;\n\tmutex_unlock(&wp->cfg_lock);\n'));
  const root = makeTree('wob-moved', inverted);
  const addComment = [
    `--- ${WOB}/wob_main.c`,
    `+++ ${WOB}/wob_main.c`,
    '@@ -1,4 +1,6 @@',
    ' // SPDX-License-Identifier: GPL-2.0',
    '+/* Statistics are updated under the config mutex. */',
    '+',
    ' #include "wob.h"',
    ' ',
    ' void wob_update_stats(struct wob_priv *wp)',
    '',
  ].join('\n');
  const result = await runWithEngine({ root, patch: addComment });
  assert.equal(result.code, 0);
  assert.match(result.stdout, /^wob\.patch: 0 introduced, 0 fixed, 2 unchanged\n$/);
});
