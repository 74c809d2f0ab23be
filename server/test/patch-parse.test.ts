import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { isPatchError, parsePatch, touchedFiles, type FileDiff, type ParsedPatch } from '../src/patch';
import { fixtureText, replaceOnce, toCrlf } from './patch-fixtures';

const FROB = 'drivers/misc/frob';

function parseOk(text: string, source = 'test.patch'): ParsedPatch {
  const parsed = parsePatch(text, source);
  if (isPatchError(parsed)) assert.fail(`unexpected error: ${parsed.message}`);
  return parsed;
}

function parseError(text: string, source = 'test.patch'): string {
  const parsed = parsePatch(text, source);
  if (!isPatchError(parsed)) assert.fail('expected a PatchError');
  assert.ok(!parsed.message.includes('\n'), `message is one line: ${parsed.message}`);
  return parsed.message;
}

/** What a file diff does, without its hunk bodies. */
function shape(file: FileDiff) {
  return { oldPath: file.oldPath, newPath: file.newPath, change: file.change, binary: file.binary, hunks: file.hunks.length };
}

test('format-patch series: cover letter is not a commit, two commits in order with subjects', () => {
  const patch = parseOk(fixtureText('series.mbox'));
  assert.equal(patch.coverSubject, 'frob: fix the pending counter race');
  assert.deepEqual(patch.commits.map((commit) => commit.subject), [
    'frob: take the queue lock in the interrupt handler',
    'frob: count submitted requests',
  ]);
  assert.equal(patch.commits[0].author, 'Frob Developer <dev@frob.example>');
  assert.deepEqual(patch.commits[0].files.map(shape), [
    { oldPath: `${FROB}/frob.c`, newPath: `${FROB}/frob.c`, change: 'modify', binary: false, hunks: 1 },
    { oldPath: `${FROB}/frob.h`, newPath: `${FROB}/frob.h`, change: 'modify', binary: false, hunks: 1 },
  ]);
  assert.deepEqual(patch.commits[1].files.map(shape), [
    { oldPath: `${FROB}/frob.c`, newPath: `${FROB}/frob.c`, change: 'modify', binary: false, hunks: 2 },
    { oldPath: null, newPath: `${FROB}/frob_stats.h`, change: 'add', binary: false, hunks: 1 },
  ]);
  const secondHunk = patch.commits[1].files[0].hunks[1];
  assert.deepEqual(
    [secondHunk.oldStart, secondHunk.oldCount, secondHunk.newStart, secondHunk.newCount, secondHunk.header],
    [13, 6, 14, 7, '@@ -13,6 +14,7 @@'],
  );
  assert.equal(secondHunk.section, 'int frob_submit(struct frob_dev *fd, unsigned int count)');
  assert.deepEqual(secondHunk.lines.filter((line) => line.op === '+'), [{ op: '+', text: '\tfrob_stats_account(fd, count);' }]);
});

test('format-patch without a cover letter and a single mail without the mbox From line', () => {
  const series = fixtureText('series.mbox');
  const withoutCover = series.slice(series.indexOf('From ', series.indexOf('\n-- \n')));
  const noCover = parseOk(withoutCover);
  assert.equal(noCover.coverSubject, undefined);
  assert.equal(noCover.commits.length, 2);

  const lastMail = series.slice(series.lastIndexOf('\nFrom: ') + 1);
  const single = parseOk(lastMail);
  assert.deepEqual(single.commits.map((commit) => commit.subject), ['frob: count submitted requests']);
});

test('git diff: rename with changes, new file without final newline, deleted file, binary change', () => {
  const patch = parseOk(fixtureText('reorg.diff'));
  assert.equal(patch.commits.length, 1);
  assert.equal(patch.commits[0].subject, undefined);
  const files = patch.commits[0].files;
  assert.deepEqual(files.map(shape), [
    { oldPath: `${FROB}/frob.fw`, newPath: `${FROB}/frob.fw`, change: 'modify', binary: true, hunks: 0 },
    { oldPath: null, newPath: `${FROB}/frob_debug.c`, change: 'add', binary: false, hunks: 1 },
    { oldPath: `${FROB}/frob_irq.c`, newPath: `${FROB}/frob_intr.c`, change: 'rename', binary: false, hunks: 1 },
    { oldPath: `${FROB}/frob_legacy.c`, newPath: null, change: 'delete', binary: false, hunks: 1 },
  ]);
  const added = files[1].hunks[0].lines;
  assert.deepEqual(added[added.length - 1], { op: '+', text: '}', noNewline: true });
  assert.equal(added.filter((line) => line.noNewline).length, 1);
  assert.deepEqual(touchedFiles(patch), [
    `${FROB}/frob.fw`, `${FROB}/frob_debug.c`, `${FROB}/frob_irq.c`, `${FROB}/frob_intr.c`, `${FROB}/frob_legacy.c`,
  ]);
});

test('"Binary files ... differ" alone is a patch with one binary file diff', () => {
  const patch = parseOk(fixtureText('binary-only.diff'));
  assert.deepEqual(patch.commits[0].files.map(shape), [
    { oldPath: `${FROB}/frob.fw`, newPath: `${FROB}/frob.fw`, change: 'modify', binary: true, hunks: 0 },
  ]);
});

test('plain diff without prefixes: timestamps dropped, names kept as written', () => {
  const patch = parseOk(fixtureText('plain-timestamps.diff'));
  const [file] = patch.commits[0].files;
  assert.deepEqual(shape(file), {
    oldPath: `${FROB}/frob.c.orig`, newPath: `${FROB}/frob.c`, change: 'modify', binary: false, hunks: 1,
  });
  assert.equal(file.git, false);
});

test('plain diff of two trees: tree prefixes stripped, epoch-dated new file is an addition', () => {
  const patch = parseOk(fixtureText('plain-tree.diff'));
  assert.deepEqual(patch.commits[0].files.map(shape), [
    { oldPath: `${FROB}/Makefile`, newPath: `${FROB}/Makefile`, change: 'add', binary: false, hunks: 1 },
    { oldPath: `${FROB}/frob.c`, newPath: `${FROB}/frob.c`, change: 'modify', binary: false, hunks: 1 },
  ]);
});

test('plain diff with a/ b/ prefixes and /dev/null', () => {
  const text = [
    '--- /dev/null',
    '+++ b/drivers/misc/frob/frob_trace.h',
    '@@ -0,0 +1,2 @@',
    '+/* SPDX-License-Identifier: GPL-2.0 */',
    '+#define FROB_TRACE_QUEUE 1',
    '--- a/drivers/misc/frob/frob_old.h\t2024-03-01 10:00:00 +0000',
    '+++ /dev/null\t1970-01-01 00:00:00 +0000',
    '@@ -1 +0,0 @@',
    '-#define FROB_OLD 1',
    '',
  ].join('\n');
  assert.deepEqual(parseOk(text).commits[0].files.map(shape), [
    { oldPath: null, newPath: `${FROB}/frob_trace.h`, change: 'add', binary: false, hunks: 1 },
    { oldPath: `${FROB}/frob_old.h`, newPath: null, change: 'delete', binary: false, hunks: 1 },
  ]);
});

test('a CRLF patch reads the same as its LF original', () => {
  for (const name of ['series.mbox', 'reorg.diff', 'plain-tree.diff']) {
    const text = fixtureText(name);
    assert.deepEqual(parseOk(toCrlf(text)), parseOk(text), name);
  }
});

test('hunk header counting more lines than the body has: error names file, hunk number and header', () => {
  const corrupt = replaceOnce(fixtureText('series.mbox'), '@@ -13,6 +14,7 @@', '@@ -13,7 +14,8 @@');
  assert.equal(
    parseError(corrupt),
    `${FROB}/frob.c: hunk #2 (@@ -13,7 +14,8 @@) line counts do not match its body (6 old, 7 new lines)`,
  );
});

test('hunk header counting fewer lines than the body has: error names file, hunk number and header', () => {
  const corrupt = replaceOnce(fixtureText('series.mbox'), '@@ -5,6 +5,7 @@', '@@ -5,5 +5,6 @@');
  assert.equal(parseError(corrupt), `${FROB}/frob.c: hunk #1 (@@ -5,5 +5,6 @@) has more lines than its header counts`);

  const extraAdded = replaceOnce(fixtureText('reorg.diff'), '@@ -1,7 +0,0 @@', '@@ -1,6 +0,0 @@');
  assert.equal(parseError(extraAdded), `${FROB}/frob_legacy.c: hunk #1 (@@ -1,6 +0,0 @@) has more lines than its header counts`);
});

test('the mail signature is not taken for a removed line when a count is one too high', () => {
  const corrupt = replaceOnce(fixtureText('series.mbox'), '@@ -6,6 +6,7 @@', '@@ -6,7 +6,8 @@');
  assert.match(parseError(corrupt), /^drivers\/misc\/frob\/frob\.h: hunk #1 \(@@ -6,7 \+6,8 @@\) line counts do not match/);
});

test('malformed hunk header is an error naming the file', () => {
  const corrupt = replaceOnce(fixtureText('series.mbox'), '@@ -6,6 +6,7 @@', '@@ -6,x +6,7 @@');
  assert.equal(parseError(corrupt), `${FROB}/frob.h: hunk #1 has a malformed header: @@ -6,x +6,7 @@`);
});

test('input with no diff at all, or only a cover letter, is not a patch', () => {
  assert.equal(parseError('Hello,\n\nthis is just a mail.\n', 'notes.txt'), 'not a patch: no diff found in notes.txt');
  assert.equal(parseError('', '-'), 'not a patch: no diff found in -');
  const series = fixtureText('series.mbox');
  const coverOnly = series.slice(0, series.indexOf('\n-- \n') + 5);
  assert.equal(parseError(coverOnly, 'cover.mbox'), 'not a patch: no diff found in cover.mbox');
});

test('quoted git names with spaces and octal escapes', () => {
  const text = [
    'diff --git "a/drivers/misc/frob/caf\\303\\251 notes.c" "b/drivers/misc/frob/caf\\303\\251 notes.c"',
    'new file mode 100644',
    'index 0000000..1111111',
    '--- /dev/null',
    '+++ "b/drivers/misc/frob/caf\\303\\251 notes.c"',
    '@@ -0,0 +1 @@',
    '+int frob_cafe;',
    'diff --git a/drivers/misc/frob/two words.c b/drivers/misc/frob/two words.c',
    'old mode 100644',
    'new mode 100755',
    '',
  ].join('\n');
  assert.deepEqual(parseOk(text).commits[0].files.map(shape), [
    { oldPath: null, newPath: `${FROB}/café notes.c`, change: 'add', binary: false, hunks: 1 },
    { oldPath: `${FROB}/two words.c`, newPath: `${FROB}/two words.c`, change: 'modify', binary: false, hunks: 0 },
  ]);
});

test('an empty line inside a hunk is an empty context line whose space was trimmed', () => {
  const text = [
    '--- a/frob.c',
    '+++ b/frob.c',
    '@@ -1,3 +1,4 @@',
    ' int frob_a;',
    '',
    '+int frob_b;',
    ' int frob_c;',
    '',
  ].join('\n');
  const [hunk] = parseOk(text).commits[0].files[0].hunks;
  assert.deepEqual(hunk.lines.map((line) => line.op + line.text), [' int frob_a;', ' ', '+int frob_b;', ' int frob_c;']);
});

test('a combined diff of a merge is refused with a clear message', () => {
  const text = ['diff --cc drivers/misc/frob/frob.c', 'index 1111111,2222222..3333333', '@@@ -1,2 -1,2 +1,3 @@@', '  int frob_a;', '+ int frob_b;', ''].join('\n');
  assert.equal(parseError(text), `${FROB}/frob.c: combined diff of a merge commit is not supported`);
});
