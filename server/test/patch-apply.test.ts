import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  applyPatch,
  isPatchError,
  parsePatch,
  reversePatch,
  type AppliedPatch,
  type FileSource,
  type ParsedPatch,
} from '../src/patch';
import { fixtureText, fixtureTree, overlay, replaceOnce, toCrlf } from './patch-fixtures';

const FROB = 'drivers/misc/frob';

function parseFixture(name: string, transform: (text: string) => string = (text) => text): ParsedPatch {
  const parsed = parsePatch(transform(fixtureText(name)), name);
  if (isPatchError(parsed)) assert.fail(`unexpected error: ${parsed.message}`);
  return parsed;
}

function applyOk(files: FileSource, patch: ParsedPatch): AppliedPatch {
  const applied = applyPatch(files, patch);
  if (isPatchError(applied)) assert.fail(`unexpected error: ${applied.message}`);
  return applied;
}

function applyError(files: FileSource, patch: ParsedPatch): string {
  const applied = applyPatch(files, patch);
  if (!isPatchError(applied)) assert.fail('expected a PatchError');
  return applied.message;
}

/** Lines of `text` with `edit` applied to the list (text keeps its final newline). */
function editLines(text: string, edit: (lines: string[]) => void): string {
  const lines = text.split('\n');
  edit(lines);
  return lines.join('\n');
}

test('a two-commit series applies in order, the second commit on top of the first', () => {
  const before = fixtureTree('before');
  const applied = applyOk(before, parseFixture('series.mbox'));
  assert.deepEqual(applied.after, fixtureTree('after-series'));
  assert.deepEqual(applied.touched, [`${FROB}/frob.c`, `${FROB}/frob.h`, `${FROB}/frob_stats.h`]);
  assert.deepEqual(applied.skipped, []);
  assert.equal(before.get(`${FROB}/frob.c`), fixtureTree('before').get(`${FROB}/frob.c`), 'input map untouched');
});

test('git diff: rename moves the changed content, new file created, deleted file maps to null, binary skipped', () => {
  const before = fixtureTree('before');
  const applied = applyOk(before, parseFixture('reorg.diff'));
  const expected = fixtureTree('after-reorg');
  assert.deepEqual(applied.after, new Map<string, string | null>([
    [`${FROB}/frob_debug.c`, expected.get(`${FROB}/frob_debug.c`)!],
    [`${FROB}/frob_irq.c`, null],
    [`${FROB}/frob_intr.c`, expected.get(`${FROB}/frob_intr.c`)!],
    [`${FROB}/frob_legacy.c`, null],
  ]));
  assert.ok(!applied.after.get(`${FROB}/frob_debug.c`)!.endsWith('\n'), 'no newline at end of file kept');
  assert.deepEqual(applied.skipped, [{ file: `${FROB}/frob.fw`, reason: 'binary change, not applied' }]);
});

test('a patch with only binary changes applies to nothing and reports the skip', () => {
  const applied = applyOk(new Map(), parseFixture('binary-only.diff'));
  assert.equal(applied.after.size, 0);
  assert.deepEqual(applied.skipped.map((skip) => skip.file), [`${FROB}/frob.fw`]);
});

test('plain diffs: the existing one of the two names is patched; a tree diff creates its new file', () => {
  const before = fixtureTree('before');
  const afterSeriesFirstCommit = applyOk(before, { ...parseFixture('series.mbox'), commits: [parseFixture('series.mbox').commits[0]] });
  const expectedFrobC = afterSeriesFirstCommit.after.get(`${FROB}/frob.c`);

  const timestamps = applyOk(before, parseFixture('plain-timestamps.diff'));
  assert.deepEqual([...timestamps.after.keys()], [`${FROB}/frob.c`]);
  assert.equal(timestamps.after.get(`${FROB}/frob.c`), expectedFrobC);

  const tree = applyOk(before, parseFixture('plain-tree.diff'));
  assert.equal(tree.after.get(`${FROB}/Makefile`), '# SPDX-License-Identifier: GPL-2.0\nobj-$(CONFIG_FROB) += frob.o\n');
  assert.equal(tree.after.get(`${FROB}/frob.c`), expectedFrobC);
});

test('a CRLF patch applies like its LF original', () => {
  const applied = applyOk(fixtureTree('before'), parseFixture('series.mbox', toCrlf));
  assert.deepEqual(applied.after, fixtureTree('after-series'));
});

test('an LF patch applies to CRLF files and keeps their line endings', () => {
  const crlfBefore = new Map([...fixtureTree('before')].map(([file, text]) => [file, toCrlf(text)]));
  const applied = applyOk(crlfBefore, parseFixture('series.mbox'));
  const expected = new Map([...fixtureTree('after-series')].map(([file, text]) => [file, file.endsWith('frob_stats.h') ? text : toCrlf(text)]));
  assert.deepEqual(applied.after, expected);
});

test('hunks are found at an offset when lines above them were added or removed', () => {
  const before = fixtureTree('before');
  const afterSeries = fixtureTree('after-series');
  const frobC = `${FROB}/frob.c`;
  const header = ['#define FROB_QUEUE_DEPTH\t64', '#define FROB_NAME\t"frob"', ''];

  const grown = new Map(before).set(frobC, editLines(before.get(frobC)!, (lines) => lines.splice(4, 0, ...header)));
  const grownResult = applyOk(grown, parseFixture('series.mbox'));
  assert.equal(grownResult.after.get(frobC), editLines(afterSeries.get(frobC)!, (lines) => lines.splice(4, 0, ...header)));

  // Drop the comment block above the includes: every hunk now sits 3 lines earlier.
  const shrunk = new Map(before).set(frobC, editLines(before.get(frobC)!, (lines) => lines.splice(1, 3)));
  const shrunkResult = applyOk(shrunk, parseFixture('series.mbox'));
  assert.equal(shrunkResult.after.get(frobC), editLines(afterSeries.get(frobC)!, (lines) => lines.splice(1, 3)));
});

test('a hunk whose context is not in the file does not apply: error names file, hunk and header', () => {
  const before = fixtureTree('before');
  const frobC = `${FROB}/frob.c`;
  const drifted = new Map(before).set(frobC, replaceOnce(before.get(frobC)!, '\tfd->pending += count;', '\tfd->pending += count * 2;'));
  assert.equal(
    applyError(drifted, parseFixture('series.mbox')),
    `${frobC}: hunk #2 (@@ -13,6 +14,7 @@) does not apply`,
  );
});

test('a hunk at the start or end of a file must stay there', () => {
  const patch = parsePatch(['--- a/frob.h', '+++ b/frob.h', '@@ -2,2 +2,3 @@', ' #define A 1', ' #define B 2', '+#define C 3', ''].join('\n'));
  if (isPatchError(patch)) assert.fail(patch.message);
  // No trailing context: the two context lines must be the last of the file.
  assert.equal(
    applyError(new Map([['frob.h', '/* x */\n#define A 1\n#define B 2\n#define D 4\n']]), patch),
    'frob.h: hunk #1 (@@ -2,2 +2,3 @@) does not apply',
  );
  const applied = applyOk(new Map([['frob.h', '/* x */\n/* y */\n#define A 1\n#define B 2\n']]), patch);
  assert.equal(applied.after.get('frob.h'), '/* x */\n/* y */\n#define A 1\n#define B 2\n#define C 3\n');
});

test('missing files, files that already exist, and deletions that leave content are errors', () => {
  const series = parseFixture('series.mbox');
  assert.equal(applyError(new Map(), series), `${FROB}/frob.c: no such file`);

  const withStats = new Map(fixtureTree('before')).set(`${FROB}/frob_stats.h`, '/* already here */\n');
  assert.equal(applyError(withStats, series), `${FROB}/frob_stats.h: already exists`);

  const before = fixtureTree('before');
  const legacy = `${FROB}/frob_legacy.c`;
  const longer = new Map(before).set(legacy, `${before.get(legacy)}\nint frob_legacy_peek(void);\n`);
  assert.equal(applyError(longer, parseFixture('reorg.diff')), `${legacy}: deleted file has lines the patch does not remove`);
});

test('files can come from a function instead of a map', () => {
  const before = fixtureTree('before');
  const asked: string[] = [];
  const applied = applyOk((file) => {
    asked.push(file);
    return before.get(file);
  }, parseFixture('series.mbox'));
  assert.deepEqual(applied.after, fixtureTree('after-series'));
  assert.ok(asked.includes(`${FROB}/frob.c`));
});

test('no newline at end of file: adding and removing the final newline', () => {
  const addNewline = parsePatch([
    '--- a/frob.h', '+++ b/frob.h', '@@ -1,2 +1,2 @@', ' #define A 1', '-#define B 2', '\\ No newline at end of file', '+#define B 2', '',
  ].join('\n'));
  if (isPatchError(addNewline)) assert.fail(addNewline.message);
  const original = new Map([['frob.h', '#define A 1\n#define B 2']]);
  const added = applyOk(original, addNewline);
  assert.equal(added.after.get('frob.h'), '#define A 1\n#define B 2\n');
  // The marker says the old file lacks the final newline: a file that has it does not match.
  assert.match(applyError(new Map([['frob.h', '#define A 1\n#define B 2\n']]), addNewline), /does not apply$/);

  const removed = applyOk(added.after as Map<string, string>, reversePatch(addNewline));
  assert.equal(removed.after.get('frob.h'), '#define A 1\n#define B 2');
});

test('reverse patch round-trips: applying a patch then its reverse gives the original files', () => {
  const before = fixtureTree('before');
  for (const name of ['series.mbox', 'reorg.diff', 'plain-tree.diff']) {
    const patch = parseFixture(name);
    const forward = applyOk(before, patch);
    const patched = overlay(before, forward.after);
    assert.notDeepEqual(patched, before, `${name} changes something`);
    const backward = applyOk(patched, reversePatch(patch));
    assert.deepEqual(overlay(patched, backward.after), before, name);
  }
});

test('the reverse of a series does not apply to the unpatched tree', () => {
  const message = applyError(fixtureTree('before'), reversePatch(parseFixture('series.mbox')));
  assert.equal(message, `${FROB}/frob_stats.h: no such file`);
});
